package chunk

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tail returns the end of the body lines of the previous chunk, at most
// budget tokens long, to start the next chunk of the same section with.
// A question whose answer straddles a chunk boundary then still finds the
// sentence before it in the same chunk.
//
// The cut is at the earliest sentence start (or line start) that fits the
// budget; when even the last sentence is longer, at the earliest word start
// that fits; when the last word is longer (no spaces), at a rune. The
// returned line carries the pages of the lines it was taken from. Table
// rows (atomic lines) are taken whole or not at all.
func tail(lines []line, budget int) (line, bool) {
	if budget <= 0 || len(lines) == 0 {
		return line{}, false
	}
	// Only the last lines can contribute: stop once they exceed the budget.
	first := len(lines) - 1
	var c counts
	for ; first >= 0; first-- {
		c = join(lines[first].n, c)
		if c.tokens() > budget {
			break
		}
	}
	first = max(first, 0)
	texts := make([]string, 0, len(lines)-first)
	for _, l := range lines[first:] {
		texts = append(texts, l.text)
	}
	s := strings.Join(texts, "\n")

	cut := cutPoint(s, budget)
	if cut < 0 {
		return line{}, false
	}
	// A table row is repeated whole or not at all: half a row reads as a
	// different row. Move a cut inside one to the start of the next line.
	off := 0
	for _, l := range lines[first:] {
		end := off + len(l.text)
		if l.atomic && cut > off && cut < end {
			cut = end + 1
		}
		off = end + 1
	}
	if cut >= len(s) {
		return line{}, false
	}
	// Pages: those of the lines from the one the cut falls in to the end.
	out := line{text: s[cut:], n: countText(s[cut:], 0)}
	off = 0
	for _, l := range lines[first:] {
		end := off + len(l.text)
		if end > cut {
			out.addPages(l.pageLo, l.pageHi)
		}
		off = end + 1
	}
	return out, true
}

// cutPoint scans s backwards, keeping the counts of the suffix s[i:], and
// returns the best start of a suffix of at most budget tokens, or -1.
func cutPoint(s string, budget int) int {
	sentence, word, anyRune := -1, -1, -1
	var c counts
	inWord := false
	for i := len(s); i > 0; {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
		c.runes++
		if unicode.IsSpace(r) {
			inWord = false
			continue
		}
		if !inWord {
			c.words++
			inWord = true
		}
		if c.tokens() > budget {
			break
		}
		anyRune = i
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		if i == 0 || unicode.IsSpace(before) {
			word = i
			if sentenceStart(s[:i]) {
				sentence = i
			}
		}
	}
	switch {
	case sentence >= 0:
		return sentence
	case word >= 0:
		return word
	default:
		return anyRune
	}
}

// sentenceStart reports whether text following prefix starts a sentence:
// prefix is empty, or ends in white space holding a line break, or in white
// space after sentence-final punctuation.
func sentenceStart(prefix string) bool {
	trimmed := strings.TrimRightFunc(prefix, unicode.IsSpace)
	if trimmed == "" || strings.Contains(prefix[len(trimmed):], "\n") {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(trimmed)
	return strings.ContainsRune(".!?…;:", r)
}

// TrimOverlap removes from the start of next the text it repeats from the
// end of prev, undoing the overlap Split starts each chunk of a section
// with (the last sentences of the one before): text made of a document's
// chunks in order must not repeat them. Only an overlap of at least 20
// bytes that ends at white space counts, so a short coincidence stays.
func TrimOverlap(prev, next string) string {
	const minOverlap, maxOverlap = 20, 4000
	for k := min(len(prev), len(next), maxOverlap); k >= minOverlap; k-- {
		if k < len(next) && next[k] != ' ' && next[k] != '\n' {
			continue
		}
		if strings.HasSuffix(prev, next[:k]) {
			return strings.TrimLeft(next[k:], " \n")
		}
	}
	return next
}
