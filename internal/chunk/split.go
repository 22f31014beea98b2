package chunk

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tmc/langchaingo/textsplitter"
)

// sentenceMark stands in for the space after a sentence end while a block
// is split, so that langchaingo's splitter, which only knows literal
// separators, can cut between sentences. It is a private-use rune; a block
// that already contains it is split without the sentence level.
const sentenceMark = '\uE000'

// splitBlock cuts text, one block too big for a chunk, into pieces of at
// most size tokens, preferring paragraph breaks, then line breaks, then
// sentence ends, then spaces, and runes as a last resort. Pieces come back
// trimmed and in order; together they hold every non-space rune of text.
//
// langchaingo's RecursiveCharacter does the separator cascade and packs
// small splits back together up to size. Its own overlap is off: Split adds
// the same sentence-aligned overlap between all chunks of a section, also
// where the pieces of a block meet the blocks around it.
func splitBlock(text string, size int) []string {
	seps := []string{"\n\n", "\n", " "}
	src := text
	marked := !strings.ContainsRune(text, sentenceMark)
	if marked {
		seps = []string{"\n\n", "\n", string(sentenceMark), " "}
		src = markSentences(text)
	}
	splitter := textsplitter.NewRecursiveCharacter(
		textsplitter.WithChunkSize(size),
		textsplitter.WithChunkOverlap(0),
		textsplitter.WithSeparators(seps),
		textsplitter.WithLenFunc(func(s string) int { return countText(s, sentenceMark).tokens() }),
	)
	parts, err := splitter.SplitText(src)
	if err != nil {
		// RecursiveCharacter has no failure mode today; should one appear,
		// runes still give pieces of the right size.
		parts = []string{text}
		marked = false
	}
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if marked {
			p = strings.ReplaceAll(p, string(sentenceMark), " ")
		}
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		// The splitter leaves a split with no separator left whole, e.g.
		// a 10 000-rune URL; and its sizes add the pieces' estimates,
		// which only over-count, but check rather than trust.
		if countText(p, 0).tokens() > size {
			out = append(out, hardSplit(p, size)...)
			continue
		}
		out = append(out, p)
	}
	return out
}

// markSentences replaces the single space after ".", "!", "?" or "…" with
// sentenceMark. Abbreviations ("Abs. 2") are marked too; that only offers
// the splitter one more place to cut, which it uses when it must.
func markSentences(s string) string {
	var b strings.Builder
	last := 0
	for i := strings.IndexByte(s, ' '); i >= 0; {
		if i > 0 {
			r, _ := utf8.DecodeLastRuneInString(s[:i])
			if r == '.' || r == '!' || r == '?' || r == '…' {
				if b.Len() == 0 {
					b.Grow(len(s) + len(s)/16)
				}
				b.WriteString(s[last:i])
				b.WriteRune(sentenceMark)
				last = i + 1
			}
		}
		j := strings.IndexByte(s[i+1:], ' ')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// hardSplit cuts s by runes into pieces of at most size tokens. It is the
// last resort for text with no usable separator, so it does not look for
// word boundaries. size must be at least 2, the cost of one rune.
func hardSplit(s string, size int) []string {
	var out []string
	var c counts
	start, inWord := 0, false
	for i, r := range s {
		space := unicode.IsSpace(r)
		next := c
		next.runes++
		if !space && !inWord {
			next.words++
		}
		if next.tokens() > size && i > start {
			if p := strings.TrimSpace(s[start:i]); p != "" {
				out = append(out, p)
			}
			start, c, inWord = i, counts{}, false
			next = counts{runes: 1}
			if !space {
				next.words = 1
			}
		}
		c, inWord = next, !space
	}
	if p := strings.TrimSpace(s[start:]); p != "" {
		out = append(out, p)
	}
	return out
}

// firstRunes returns s cut to at most n runes, for heading paths.
func firstRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return strings.TrimSpace(s[:j]) + "…"
		}
		i++
	}
	return s
}
