package retrieve

import (
	"context"
	"slices"
	"strings"
	"unicode"
)

// shingleSize is the number of words in a shingle: long enough that two
// unrelated passages share few, short enough that a changed word or two in
// boilerplate leaves most in common.
const shingleSize = 3

// shingles returns the set of word n-grams of text, lower-cased with
// punctuation dropped, so that layout and hyphenation differences between
// two copies of the same boilerplate do not matter.
func shingles(text string) map[string]struct{} {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	set := make(map[string]struct{})
	if len(words) < shingleSize {
		if len(words) > 0 {
			set[strings.Join(words, " ")] = struct{}{}
		}
		return set
	}
	for i := 0; i+shingleSize <= len(words); i++ {
		set[strings.Join(words[i:i+shingleSize], " ")] = struct{}{}
	}
	return set
}

// jaccard is |a ∩ b| / |a ∪ b|; two empty sets are identical.
func jaccard(a, b map[string]struct{}) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	inter := 0
	for s := range a {
		if _, ok := b[s]; ok {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// collapseDuplicates keeps the best-ranked of each group of passages whose
// texts are at least threshold similar (word-shingle Jaccard): the same
// boilerplate repeated across documents would otherwise fill the list.
// A negative threshold keeps everything.
func collapseDuplicates(ps []Passage, threshold float64) []Passage {
	if threshold < 0 || len(ps) < 2 {
		return ps
	}
	kept := ps[:0:0]
	var keptSets []map[string]struct{}
	for _, p := range ps {
		set := shingles(p.Text)
		dup := false
		for _, k := range keptSets {
			if jaccard(set, k) >= threshold {
				dup = true
				break
			}
		}
		if !dup {
			kept = append(kept, p)
			keptSets = append(keptSets, set)
		}
	}
	return kept
}

// overCapWeight is the share of its score that a passage beyond its
// document's cap keeps when the list is reordered.
const overCapWeight = 0.5

// capPerDocument lets no document crowd out the others: beyond the n-th
// passage of a document, a passage counts at half its score, so it moves
// behind the passages of other documents that are at least half as good,
// yet still ranks above weak matches when nothing else is relevant. The
// order is otherwise kept. A negative n keeps the order.
func capPerDocument(ps []Passage, n int) []Passage {
	if n < 0 {
		return ps
	}
	count := map[int64]int{}
	var within, over []Passage
	for _, p := range ps {
		if count[p.DocumentID] < n {
			within = append(within, p)
		} else {
			over = append(over, p)
		}
		count[p.DocumentID]++
	}
	out := make([]Passage, 0, len(ps))
	for len(within) > 0 || len(over) > 0 {
		if len(over) > 0 && (len(within) == 0 || over[0].Score*overCapWeight > within[0].Score) {
			out, over = append(out, over[0]), over[1:]
		} else {
			out, within = append(out, within[0]), within[1:]
		}
	}
	return out
}

// expand widens every passage by up to Config.Neighbours chunks on each
// side. Passages of one document whose widened ranges overlap or touch are
// merged into the better-ranked one, so no text is shown twice; the order
// of the passages is kept.
func (r *Retriever) expand(ctx context.Context, ps []Passage, groups []string) ([]Passage, error) {
	n := r.cfg.Neighbours
	type span struct{ lo, hi int }
	merged := make([]bool, len(ps))
	spans := make([]span, len(ps))
	for i, p := range ps {
		spans[i] = span{p.Ordinal - n, p.Ordinal + n}
	}
	// Fold each passage into an earlier (better) one of the same document
	// whose span it overlaps, until nothing changes.
	for changed := true; changed; {
		changed = false
		for i := range ps {
			if merged[i] {
				continue
			}
			for j := i + 1; j < len(ps); j++ {
				if merged[j] || ps[j].DocumentID != ps[i].DocumentID {
					continue
				}
				if spans[j].lo <= spans[i].hi+1 && spans[i].lo <= spans[j].hi+1 {
					spans[i] = span{min(spans[i].lo, spans[j].lo), max(spans[i].hi, spans[j].hi)}
					merged[j] = true
					changed = true
				}
			}
		}
	}
	out := make([]Passage, 0, len(ps))
	for i, p := range ps {
		if merged[i] {
			continue
		}
		centre := (spans[i].lo + spans[i].hi) / 2
		chunks, err := r.store.NeighbourChunks(ctx, p.DocumentID, centre, max(centre-spans[i].lo, spans[i].hi-centre), groups)
		if err != nil {
			return nil, err
		}
		var texts []string
		for _, c := range chunks {
			if c.Ordinal < spans[i].lo || c.Ordinal > spans[i].hi {
				continue
			}
			texts = append(texts, c.Content)
			if c.PageStart != nil && (p.PageStart == 0 || *c.PageStart < p.PageStart) {
				p.PageStart = *c.PageStart
			}
			if c.PageEnd != nil && *c.PageEnd > p.PageEnd {
				p.PageEnd = *c.PageEnd
			}
		}
		if len(texts) > 0 {
			p.Text = strings.Join(texts, "\n\n")
		}
		out = append(out, p)
	}
	return slices.Clip(out), nil
}
