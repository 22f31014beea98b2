package chunk

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestCountTokens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want int
	}{
		{"empty", "", 0},
		{"spaces", " \n\t ", 2},       // 4 runes / 3.2
		{"one short word", "Hund", 2}, // ⌈1.35⌉
		{"one rune", "§", 2},          // ⌈1.35⌉
		{"English words", "the council approved the budget", 10}, // 31 runes / 3.2 = 9.7 > 5 × 1.35
		{"German compound", "Kommunalabgabengesetzes", 8},        // 23 runes / 3.2 = 7.2
		{"no spaces", strings.Repeat("x", 320), 100},
		{"short words", strings.Repeat("ab ", 10), 14}, // 10 × 1.35 = 13.5 > 30 runes / 3.2
		{"umlauts count as one rune", strings.Repeat("ä", 32), 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := CountTokens(tc.in); got != tc.want {
				t.Errorf("CountTokens(%.30q) = %d, want %d", tc.in, got, tc.want)
			}
		})
	}
}

// TestJoinMatchesCount checks that sizes kept by adding counts equal the
// count of the joined text, which Split relies on to never recount.
func TestJoinMatchesCount(t *testing.T) {
	t.Parallel()
	parts := []string{"Die Gemeinde", "erhebt", "§ 1", "Kommunalabgabengesetz", "a", "1.800,00 €", "x"}
	for i := range parts {
		for j := range parts {
			joined := parts[i] + "\n" + parts[j]
			got := join(countText(parts[i], 0), countText(parts[j], 0))
			if want := countText(joined, 0); got != want {
				t.Errorf("join(%q, %q) = %+v, want %+v", parts[i], parts[j], got, want)
			}
		}
	}
}

// TestCountTextMatchesUnicode checks the ASCII fast path against the
// definitions it stands for: utf8.RuneCountInString and unicode.IsSpace.
func TestCountTextMatchesUnicode(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "a b", "\t\v\f\r\n \u0085\u00a0\u2003x", "Straße\u3000日本", "\xff\xfe a", "\x1c\x1d\x1e\x1f"} {
		want := counts{runes: utf8.RuneCountInString(s), words: len(strings.FieldsFunc(s, unicode.IsSpace))}
		if got := countText(s, 0); got != want {
			t.Errorf("countText(%q) = %+v, want %+v", s, got, want)
		}
	}
}
