package chunk

import (
	"unicode"
	"unicode/utf8"
)

// CountTokens estimates how many tokens an embedding model's tokenizer
// makes of s, as max(words × 1.35, runes ÷ 3.2), rounded up.
//
// No tokenizer files are available offline, and the embedding model is a
// setting, so this is an estimate, and it errs high on purpose: a chunk
// that turns out longer than the model's context is silently truncated
// by the server and its tail is never searchable, while a chunk that is a
// little short costs nothing. English runs at about 1.3 BPE tokens a
// word; German, French or Finnish, with long compounds and inflections cut
// into several pieces, at 3.5–4.5 characters a token. Each term alone
// covers one of these; their maximum covers both, and numbers, codes and
// words with no spaces (URLs, "§§2,8Abs.2") fall under the rune term.
func CountTokens(s string) int {
	return countText(s, 0).tokens()
}

// counts are the two quantities CountTokens depends on. Joining texts adds
// them up (plus one rune per separator), so a chunk's size is kept as it
// grows without recounting its text.
type counts struct {
	words int // runs of non-space runes
	runes int
}

// tokens is CountTokens' formula in integer arithmetic, rounding each term
// up: ⌈1.35 w⌉ = ⌊(135 w + 99) / 100⌋ and ⌈r / 3.2⌉ = ⌊(10 r + 31) / 32⌋.
func (c counts) tokens() int {
	return max((c.words*135+99)/100, (c.runes*10+31)/32)
}

// join returns the counts of a and b joined by one separator rune (a
// newline or a space), which never glues two words together.
func join(a, b counts) counts {
	if a.runes == 0 {
		return b
	}
	if b.runes == 0 {
		return a
	}
	return counts{words: a.words + b.words, runes: a.runes + b.runes + 1}
}

// countText counts s, treating alsoSpace (when not 0) as white space too:
// the block splitter marks sentence ends with a private-use rune that
// stands for a space. Runes are counted as utf8.RuneCountInString does
// (an invalid byte is one rune); ASCII, most of any European text, takes
// a fast path, as this loop is most of Split's time.
func countText(s string, alsoSpace rune) counts {
	var c counts
	inWord := false
	for i := 0; i < len(s); {
		var space bool
		if b := s[i]; b < utf8.RuneSelf {
			space = asciiSpace[b]
			i++
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			space = unicode.IsSpace(r) || (alsoSpace != 0 && r == alsoSpace)
			i += size
		}
		c.runes++
		if space {
			inWord = false
			continue
		}
		if !inWord {
			c.words++
			inWord = true
		}
	}
	return c
}

// asciiSpace holds the ASCII runes unicode.IsSpace reports.
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}
