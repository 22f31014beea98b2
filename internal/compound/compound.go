// Package compound splits German compound words into the words they are
// made of, so that full-text search finds "Bewohnerparkausweis" for
// "Parkausweis für Bewohner" and the other way round.
//
// Splitting is driven by a vocabulary rather than by rules: a part is a
// word the caller knows (in Civitas, a word seen in the corpus, see
// internal/store, or one of a short built-in list of municipal words),
// optionally followed by a linking element (Fugen-s, -es, -n, -en, -e:
// "Gebührenordnung", "Hundesteuer"). Among the ways to cut a word into
// known parts, the one with the fewest parts wins, and among those the one
// whose parts are the most frequent (the geometric mean, as in Koehn and
// Knight's splitter): "hundesteuer" is hund + steuer, not hund + teuer.
// Whether the whole word is known does not matter: at indexing, every word
// of the corpus is. Each part is cut again in turn:
// Parts("bewohnerparkausweis") is bewohner, parkausweis, park, ausweis.
//
// The package knows no database: Candidates lists the strings whose
// knownness a split may ask about, so that a caller can look them all up
// in one query, and Split takes the answer as a function.
package compound

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Word lengths, in letters. A word shorter than MinCompound is never cut;
// no part is shorter than MinPart (a vocabulary may refuse short words,
// see Vocabulary); a word has at most maxParts parts at one level.
const (
	MinCompound = 7
	MinPart     = 3
	maxParts    = 4
)

// linking are the Fugen elements that may join a part to the next one,
// longest first so that "-es" is tried before "-s".
var linking = []string{"es", "en", "s", "n", "e"}

// Known returns how common a lower-case word is as a word in its own
// right (in Civitas, the number of documents holding it); 0: unknown.
type Known func(word string) int

// Candidates returns every string that splitting word may ask Known
// about: its substrings of at least MinPart letters, short of the whole
// word, with and without a trailing linking element. Nil for a word too
// short to be a compound. The word is lower-cased first.
func Candidates(word string) []string {
	rs := []rune(strings.ToLower(word))
	if len(rs) < MinCompound || !allLetters(rs) {
		return nil
	}
	var out []string
	for i := 0; i < len(rs); i++ {
		for j := i + MinPart; j <= len(rs); j++ {
			if i == 0 && j == len(rs) {
				continue
			}
			out = append(out, string(rs[i:j]))
		}
	}
	return out
}

// Split returns the parts of a compound at its first level, lower-cased
// and without linking elements ("gebührenordnung": gebühr, ordnung), or
// nil when word is not a compound of known words.
func Split(word string, known Known) []string {
	rs := []rune(strings.ToLower(word))
	if len(rs) < MinCompound || !allLetters(rs) {
		return nil
	}
	return newSplitter(rs, known).best()
}

// Parts returns every part of a compound at every level, each once, in
// the order found: the first-level parts, then the parts of each of them.
// Nil when word is not a compound.
func Parts(word string, known Known) []string {
	var out []string
	seen := map[string]bool{}
	var walk func(string)
	walk = func(w string) {
		for _, p := range Split(w, known) {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
				walk(p)
			}
		}
	}
	walk(word)
	return out
}

// splitter finds the cut of a word into the fewest known parts by dynamic
// programming over its suffixes: count[i] is the fewest parts that cover
// rs[i:], score[i] the sum of their log frequencies, next[i] where the
// first of them ends and word[i] what it stands for.
type splitter struct {
	rs    []rune
	known Known
}

func newSplitter(rs []rune, known Known) splitter { return splitter{rs: rs, known: known} }

// part returns the word that rs[i:j] stands for as a part ending at j:
// the segment itself when known, else the segment less a linking element
// (never at the end of the word, where it would be an inflection).
func (s splitter) part(i, j int) (string, int) {
	if j-i < MinPart {
		return "", 0
	}
	seg := string(s.rs[i:j])
	if f := s.known(seg); f > 0 {
		return seg, f
	}
	if j == len(s.rs) {
		return "", 0
	}
	for _, l := range linking {
		if stem, ok := strings.CutSuffix(seg, l); ok && utf8.RuneCountInString(stem) >= MinPart {
			if f := s.known(stem); f > 0 {
				return stem, f
			}
		}
	}
	return "", 0
}

func (s splitter) best() []string {
	n := len(s.rs)
	const none = maxParts + 1
	count := make([]int, n+1)
	score := make([]float64, n+1)
	next := make([]int, n+1)
	word := make([]string, n+1)
	for i := n - 1; i >= 0; i-- {
		count[i] = none
		for j := n; j > i; j-- {
			if count[j] >= none || (i == 0 && j == n) {
				continue
			}
			p, f := s.part(i, j)
			if f <= 0 {
				continue
			}
			c, sc := count[j]+1, score[j]+math.Log(float64(f))
			// Ties (same count, same score) keep the longer first part,
			// found first: deterministic.
			if c < count[i] || (c == count[i] && sc > score[i]) {
				count[i], score[i], next[i], word[i] = c, sc, j, p
			}
		}
	}
	if count[0] < 2 || count[0] > maxParts {
		return nil
	}
	var out []string
	for i := 0; i < n; i = next[i] {
		out = append(out, word[i])
	}
	return out
}

func allLetters(rs []rune) bool {
	for _, r := range rs {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// Words returns the distinct lower-case words of text that consist of
// letters only, in order of first appearance.
func Words(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) }) {
		w := strings.ToLower(f)
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}
