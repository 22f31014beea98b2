package answer

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/civitas-eu/civitas/internal/chunk"
)

func TestTruncate(t *testing.T) {
	t.Parallel()
	sentences := strings.Repeat("Die Frist beträgt zwei Wochen. ", 20)
	oneSentence := "Die " + strings.Repeat("Gebührenordnung und ", 40) + "Satzung."
	tests := []struct {
		name     string
		text     string
		budget   int
		cut      bool   // whether the text must be cut
		sentence bool   // whether the cut must be at a sentence end
		want     string // the result, when not cut
	}{
		{name: "at a sentence end", text: sentences, budget: 40, cut: true, sentence: true},
		{name: "at a word end when no sentence ends", text: oneSentence, budget: 40, cut: true},
		{name: "multibyte text", text: strings.Repeat("Öffnungszeiten für Bürgerämter ", 30), budget: 30, cut: true},
		{name: "fits whole", text: "Kurz.", budget: 40, want: "Kurz."},
		{name: "one long word does not fit", text: strings.Repeat("x", 500), budget: 20, want: ""},
		{name: "budget too small", text: sentences, budget: 1, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := truncate(tt.text, tt.budget)
			if !tt.cut {
				if got != tt.want {
					t.Errorf("truncate = %q, want %q", got, tt.want)
				}
				return
			}
			kept, marked := strings.CutSuffix(got, " …")
			if !marked || !strings.HasPrefix(tt.text, kept) || !utf8.ValidString(got) {
				t.Fatalf("truncate = %q: not a start of the text marked with \" …\"", got)
			}
			if next := tt.text[len(kept)]; next != ' ' {
				t.Errorf("cut inside a word: …%q|%q", kept[max(0, len(kept)-20):], tt.text[len(kept):len(kept)+10])
			}
			if tt.sentence && !strings.HasSuffix(kept, ".") {
				t.Errorf("cut not at a sentence end: …%q", kept[max(0, len(kept)-20):])
			}
			if n := chunk.CountTokens(got); n > tt.budget || n < tt.budget/2 {
				t.Errorf("truncated to %d tokens for a budget of %d", n, tt.budget)
			}
		})
	}
}

func TestSnippet(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("Bürgerbüro  öffnet\n", 40)
	s := snippet(long)
	if n := utf8.RuneCountInString(s); n > snippetRunes || n < snippetRunes/2 || !strings.HasSuffix(s, "…") || strings.Contains(s, "\n") || strings.Contains(s, "  ") {
		t.Errorf("snippet = %q (%d runes)", s, n)
	}
	if got := snippet(" kurz \n text "); got != "kurz text" {
		t.Errorf("snippet of a short text = %q", got)
	}
}
