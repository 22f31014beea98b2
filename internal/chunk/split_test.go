package chunk

import (
	"strings"
	"testing"
)

func TestSplitBlock(t *testing.T) {
	t.Parallel()
	sentences := strings.Repeat("Die Gemeinde erhebt die Hundesteuer nach dieser Satzung. ", 40)
	tests := []struct {
		name string
		text string
		size int
		// check is true for every piece when the split is where it should be.
		check func(piece string) bool
	}{
		{"sentences", sentences, 40, func(p string) bool { return strings.HasSuffix(p, ".") }},
		{"paragraphs", strings.Repeat("Erster Absatz mit etwas Text.\n\n", 30), 30, func(p string) bool { return strings.HasSuffix(p, ".") }},
		{"words, no punctuation", strings.Repeat("Hundesteuer ", 300), 50, func(p string) bool { return !strings.Contains(p, "Hundesteuer"+"H") }},
		{"one huge word", strings.Repeat("x", 10_000), 100, func(p string) bool { return !strings.ContainsAny(p, " \n") }},
		{"URL in a sentence", "Siehe " + strings.Repeat("abc/", 2000) + " und so weiter.", 60, func(string) bool { return true }},
		{"text holding the marker", strings.Repeat("Satz mit \uE000 Marke. ", 200), 40, func(p string) bool { return true }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pieces := splitBlock(tc.text, tc.size)
			if len(pieces) < 2 {
				t.Fatalf("splitBlock gave %d pieces", len(pieces))
			}
			var in, out []rune
			in = appendNonSpace(in, tc.text)
			for _, p := range pieces {
				if n := CountTokens(p); n > tc.size {
					t.Errorf("piece of %d tokens > %d: %.50q", n, tc.size, p)
				}
				if !tc.check(p) {
					t.Errorf("piece cut in the wrong place: %.50q…%q", p, p[max(0, len(p)-20):])
				}
				if strings.ContainsRune(p, sentenceMark) && !strings.ContainsRune(tc.text, sentenceMark) {
					t.Errorf("sentence marker left in piece %.50q", p)
				}
				out = appendNonSpace(out, p)
			}
			if string(in) != string(out) {
				t.Errorf("pieces do not add up to the text: %d runes in, %d out", len(in), len(out))
			}
		})
	}
}

func TestHardSplit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		size int
	}{
		{"ascii", strings.Repeat("x", 1000), 10},
		{"multibyte", strings.Repeat("ä€😀", 500), 7},
		{"smallest size", strings.Repeat("ab", 50), 2},
		{"with spaces", strings.Repeat("ab ", 100), 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pieces := hardSplit(tc.in, tc.size)
			joined := strings.Join(pieces, "")
			if strings.ReplaceAll(joined, " ", "") != strings.ReplaceAll(tc.in, " ", "") {
				t.Errorf("pieces do not add up to the input")
			}
			for _, p := range pieces {
				if n := CountTokens(p); n > tc.size || p == "" {
					t.Errorf("piece %q: %d tokens, want 1..%d", p, n, tc.size)
				}
			}
		})
	}
}

func TestTail(t *testing.T) {
	t.Parallel()
	lines := func(texts ...string) []line {
		out := make([]line, len(texts))
		for i, s := range texts {
			out[i] = line{text: s, n: countText(s, 0), pageLo: i + 1, pageHi: i + 1}
		}
		return out
	}
	tests := []struct {
		name   string
		lines  []line
		budget int
		want   string
		pages  [2]int
	}{
		{"whole sentences", lines("Erster Satz hier. Zweiter Satz folgt. Dritter Satz endet."), 13, "Zweiter Satz folgt. Dritter Satz endet.", [2]int{1, 1}},
		{"across lines", lines("Ein langer erster Absatz mit vielen, vielen Wörtern darin.", "Kurz.", "Auch kurz."), 8, "Kurz.\nAuch kurz.", [2]int{2, 3}},
		{"words when the sentence is too long", lines("Ein einziger sehr langer Satz ohne jedes Ende in Sicht"), 6, "jedes Ende in Sicht", [2]int{1, 1}},
		{"runes when the word is too long", lines(strings.Repeat("y", 100)), 5, strings.Repeat("y", 16), [2]int{1, 1}},
		{"no budget", lines("Satz."), 0, "", [2]int{}},
		{"no lines", nil, 10, "", [2]int{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := tail(tc.lines, tc.budget)
			if got.text != tc.want || ok != (tc.want != "") {
				t.Errorf("tail = %q (%v), want %q", got.text, ok, tc.want)
			}
			if ok && [2]int{got.pageLo, got.pageHi} != tc.pages {
				t.Errorf("tail pages %d–%d, want %d–%d", got.pageLo, got.pageHi, tc.pages[0], tc.pages[1])
			}
			if ok && CountTokens(got.text) > tc.budget {
				t.Errorf("tail %q is %d tokens, budget %d", got.text, CountTokens(got.text), tc.budget)
			}
		})
	}
}

func TestMarkSentences(t *testing.T) {
	t.Parallel()
	m := string(sentenceMark)
	tests := []struct{ in, want string }{
		{"", ""},
		{"no sentence end here", "no sentence end here"},
		{"Eins. Zwei! Drei? Vier… Fünf.", "Eins." + m + "Zwei!" + m + "Drei?" + m + "Vier…" + m + "Fünf."},
		{"Abs.  2", "Abs." + m + " 2"},
		{" . x", " ." + m + "x"},
		{"1.800,00 € und 2.5.", "1.800,00 € und 2.5."},
	}
	for _, tc := range tests {
		if got := markSentences(tc.in); got != tc.want {
			t.Errorf("markSentences(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTrimOverlap(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, prev, next, want string }{
		{"overlap removed", "Erster Satz. Der Antrag ist schriftlich zu stellen.", "Der Antrag ist schriftlich zu stellen.\nNeuer Satz.", "Neuer Satz."},
		{"no overlap", "Erster Satz.", "Zweiter Satz.", "Zweiter Satz."},
		{"short coincidence kept", "endet mit Amt.", "Amt. Und weiter.", "Amt. Und weiter."},
		{"overlap must end at a word end", "xx Der Antrag ist schriftlich zu stel", "Der Antrag ist schriftlich zu stellen.", "Der Antrag ist schriftlich zu stellen."},
		{"no previous chunk", "", "Text.", "Text."},
	}
	for _, tt := range tests {
		if got := TrimOverlap(tt.prev, tt.next); got != tt.want {
			t.Errorf("%s: TrimOverlap = %q, want %q", tt.name, got, tt.want)
		}
	}
}
