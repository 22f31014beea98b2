// Package lang guesses the language of a document from its text, without
// model files: it scores the most frequent function words of each supported
// language ("der", "und", "het", "että", "och", …) and a few spelling hints
// (ß, å, ø, ñ, ã, "ij", Finnish case endings) on a bounded sample of the
// text, so a 300-page PDF costs no more than a page or two.
//
// It knows de, fr, nl, fi, sv, da, it, es, pt and en, and maps each to the
// name PostgreSQL's full-text search and tesseract's OCR use for it. When it
// is unsure, because the text is short, mixed or in another language, it
// says so with an empty code, and callers fall back to "simple" search
// configuration and their default OCR languages.
package lang

import (
	"bytes"
	"math/bits"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SampleRunes bounds how much of the text Detect reads. 20 000 runes are
// about 3 000 words, far more than the few hundred it needs to be sure.
const SampleRunes = 20_000

const (
	// minWords is the fewest words Detect decides on; below it a single
	// shared word ("in", "de") can swing the result.
	minWords = 20
	// minScore is the share of function words the best language must reach
	// (weighted); text in an unsupported language scores below it.
	minScore = 0.05
	// minStop is the share of function words the best language must reach
	// on its own, so that spelling hints alone never decide.
	minStop = 0.03
	// minMargin is how far ahead, relative to its own score, the best
	// language must be of the second. One-language texts, even of 30
	// words, are 0.6 or more ahead; an even mix of two stays below 0.4.
	minMargin = 0.4
	// hintWeight scales letter, suffix and digraph hints against function
	// words, which stay the main signal: hints break ties between close
	// languages (da/sv, es/pt) and carry Finnish.
	hintWeight = 0.25
)

// Detect returns the ISO 639-1 code of the language text is written in and
// a confidence between 0 and 1. It returns "" (and a low confidence) when
// it is unsure: fewer than about 20 words, no supported language clearly
// ahead of the others, or text in a language it does not know. Only the
// first SampleRunes runes are read.
func Detect(text string) (code string, confidence float64) {
	s := scan(sample(text))
	if s.words == 0 {
		return "", 0
	}
	var scores [16]float64
	for i := range profiles {
		scores[i] = max(0, s.stop[i]+hintWeight*s.hint[i])
	}
	best, second := -1, -1
	for i := range profiles {
		switch {
		case best < 0 || scores[i] > scores[best]:
			best, second = i, best
		case second < 0 || scores[i] > scores[second]:
			second = i
		}
	}
	b, sec := scores[best], scores[second]
	n := float64(s.words)
	if b <= 0 {
		return "", 0
	}
	// Confidence grows with the lead over the runner-up, with how much
	// function-word evidence there is (0.2, i.e. one word in five, is
	// plenty), and with the sample's length up to 50 words.
	margin := (b - sec) / b
	confidence = margin * min(1, b/0.2) * min(1, n/50)
	if s.words < minWords || b < minScore || s.stop[best] < minStop || margin < minMargin {
		return "", min(confidence, 0.3)
	}
	return profiles[best].code, confidence
}

// sample returns at most the first SampleRunes runes of text.
func sample(text string) string {
	if len(text) <= SampleRunes { // bytes ≥ runes, so it surely fits
		return text
	}
	n := 0
	for i := range text {
		if n == SampleRunes {
			return text[:i]
		}
		n++
	}
	return text
}

// stats are the raw counts Detect scores, per language, already divided
// by the number of words so that long and short samples compare.
type stats struct {
	words int
	stop  [16]float64 // weighted share of function words
	hint  [16]float64 // weighted hints per word
}

// scan splits s into lower-case words at every non-letter (so digits,
// punctuation and apostrophes separate words) and scores each word.
// A word shared by k languages counts 1/k for each, as does a hint: "de"
// says little, "het" says Dutch.
func scan(s string) stats {
	var st stats
	var buf []byte
	flush := func() {
		if len(buf) == 0 {
			return
		}
		st.words++
		// string(buf) in a map index does not allocate.
		if m := table.words[string(buf)]; m != 0 {
			addShare(&st.stop, m, 1)
		}
		for _, a := range table.suffixes {
			if len(buf) > len(a.text)+2 && bytes.HasSuffix(buf, a.text) {
				addShare(&st.hint, a.langs, 1)
			}
		}
		for _, a := range table.digraphs {
			if c := bytes.Count(buf, a.text); c > 0 {
				addShare(&st.hint, a.langs, float64(c))
			}
		}
		buf = buf[:0]
	}
	for _, r := range s {
		if !unicode.IsLetter(r) {
			flush()
			continue
		}
		r = unicode.ToLower(r)
		if m := table.letters[r]; m != 0 {
			addShare(&st.hint, m, 1)
		}
		if m := table.foreign[r]; m != 0 {
			addShare(&st.hint, m, -1)
		}
		buf = utf8.AppendRune(buf, r)
	}
	flush()
	if st.words > 0 {
		n := float64(st.words)
		for i := range st.stop {
			st.stop[i] /= n
			st.hint[i] /= n
		}
	}
	return st
}

// addShare adds w/k to each of the k languages in the bit set m.
func addShare(acc *[16]float64, m uint16, w float64) {
	share := w / float64(bits.OnesCount16(m))
	for m != 0 {
		i := bits.TrailingZeros16(m)
		acc[i] += share
		m &^= 1 << i
	}
}

// TSConfig returns the PostgreSQL text search configuration for an ISO
// 639-1 code, e.g. "german" for "de", and "simple" (no stemming, no stop
// words) for "" or a language it does not know.
func TSConfig(code string) string {
	if p, ok := lookup(code); ok {
		return p.tsconfig
	}
	return "simple"
}

// Tesseract returns tesseract's language name for an ISO 639-1 code, e.g.
// "deu" for "de", or "" for a language it does not know.
func Tesseract(code string) string {
	if p, ok := lookup(code); ok {
		return p.tesseract
	}
	return ""
}

// Supported returns the ISO 639-1 codes Detect can return.
func Supported() []string {
	codes := make([]string, len(profiles))
	for i, p := range profiles {
		codes[i] = p.code
	}
	return codes
}

func lookup(code string) (profile, bool) {
	code = strings.ToLower(strings.TrimSpace(code))
	for _, p := range profiles {
		if p.code == code {
			return p, true
		}
	}
	return profile{}, false
}
