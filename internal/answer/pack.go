package answer

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/civitas-eu/civitas/internal/chunk"
	"github.com/civitas-eu/civitas/internal/retrieve"
)

// snippetRunes bounds Source.Snippet.
const snippetRunes = 300

// sourceOverhead is what a <source …> wrapper costs beyond the passage
// text and the words of its title and heading: tag names, attribute names
// and quotes.
const sourceOverhead = 12

// passageTokens estimates what a passage costs in the prompt: its text
// plus its <source> wrapper.
func passageTokens(p retrieve.Passage) int {
	return chunk.CountTokens(p.Text) + chunk.CountTokens(p.Title+" "+strings.Join(p.HeadingPath, " ")) + sourceOverhead
}

// pack returns the leading passages that fit budget tokens together, in
// their order: it stops at the first passage that would exceed the
// budget, and never cuts one, except a first passage that alone exceeds
// the budget, which is cut at a sentence (or word) end to fit.
func pack(passages []retrieve.Passage, budget int) []retrieve.Passage {
	var out []retrieve.Passage
	used := 0
	for i, p := range passages {
		n := passageTokens(p)
		if used+n <= budget {
			out = append(out, p)
			used += n
			continue
		}
		if i == 0 {
			room := budget - (n - chunk.CountTokens(p.Text))
			if t := truncate(p.Text, room); t != "" {
				p.Text = t
				out = append(out, p)
			}
		}
		break
	}
	return out
}

// truncate returns the longest start of s that CountTokens puts at no
// more than budget tokens (" …" included), ending at a sentence end when
// one keeps at least half of it, else at a word end. It returns "" when
// not even one word fits.
func truncate(s string, budget int) string {
	const ellipsis = " …"
	budget -= chunk.CountTokens(ellipsis)
	if budget <= 0 {
		return ""
	}
	// CountTokens only grows as a prefix grows: search the longest prefix
	// that fits, among those that end on a rune boundary.
	ends := make([]int, 0, len(s)+1)
	for i := range s {
		ends = append(ends, i)
	}
	ends = append(ends, len(s))
	j := sort.Search(len(ends), func(j int) bool { return chunk.CountTokens(s[:ends[j]]) > budget }) - 1
	lo := ends[max(j, 0)]
	prefix := s[:lo]
	if lo == len(s) {
		return s
	}
	if cut := lastSentenceEnd(prefix); cut >= len(prefix)/2 {
		return strings.TrimRightFunc(prefix[:cut], unicode.IsSpace) + ellipsis
	}
	// The word the prefix ends in is cut unless the next rune is a space.
	if r, _ := utf8.DecodeRuneInString(s[lo:]); !unicode.IsSpace(r) {
		i := strings.LastIndexFunc(prefix, unicode.IsSpace)
		if i < 0 {
			return ""
		}
		prefix = prefix[:i]
	}
	prefix = strings.TrimRightFunc(prefix, unicode.IsSpace)
	if prefix == "" {
		return ""
	}
	return prefix + ellipsis
}

// lastSentenceEnd returns the byte offset just after the last sentence
// end in s (".", "!", "?" or "…" followed by white space, or a line
// break), or -1.
func lastSentenceEnd(s string) int {
	for i := len(s) - 1; i > 0; i-- {
		if s[i] == '\n' {
			return i
		}
		if s[i] != ' ' && s[i] != '\t' {
			continue
		}
		r, _ := utf8.DecodeLastRuneInString(s[:i])
		if r == '.' || r == '!' || r == '?' || r == '…' {
			return i
		}
	}
	return -1
}

// snippet returns the start of a passage for a source list: its first
// snippetRunes runes, cut at a word end, white space collapsed.
func snippet(text string) string {
	s := strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(s) <= snippetRunes {
		return s
	}
	cut := s[:runeOffset(s, snippetRunes-1)]
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:") + "…"
}

// runeOffset is the byte offset of the n-th rune of s.
func runeOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}
