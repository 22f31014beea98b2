package insight

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/compound"
)

// Gap reasons: why a question counts as not answered by the documents.
const (
	ReasonNotCovered  = "not_covered"  // nothing relevant was retrieved
	ReasonLowEvidence = "low_evidence" // answered, but citing no passage
)

// Limits of a gaps report.
const (
	maxGapQuestions = 5000 // questions read
	gapSamples      = 5    // questions shown per gap
	minTermLetters  = 4    // shorter words are mostly function words
	minAffixLetters = 5    // a compound's part found by prefix or suffix
)

// Gap is a subject the documents do not answer: the questions about it,
// clustered by the words they share.
type Gap struct {
	// Label is the word the questions share (the most common one).
	Label       string      `json:"label"`
	Count       int         `json:"count"`
	NotCovered  int         `json:"not_covered"`
	LowEvidence int         `json:"low_evidence"`
	Weeks       []WeekCount `json:"weeks"` // oldest first
	// Questions are up to five of them, newest first: only those whose
	// answer rests on documents the reviewer may see (see shown).
	Questions []string `json:"questions"`
	// Withheld counts the questions whose text is not shown: "not
	// covered" ones, and answers citing nothing from no source. Nothing
	// ties them to a collection or group the reviewer manages, and a
	// question may name a colleague of another department.
	Withheld  int       `json:"withheld"`
	LastAsked time.Time `json:"last_asked"`
}

// WeekCount is how many questions of a gap came in an ISO week.
type WeekCount struct {
	Week  string `json:"week"` // "2026-W49"
	Count int    `json:"count"`
}

// GapFilter selects the questions of a gaps report.
type GapFilter struct {
	Collection string
	Groups     []string
	Since      time.Time
	// Embed, with MinSimilarity above 0, embeds questions with a real
	// embedding model, so that a question sharing no word with a gap
	// joins the one whose questions mean the same (vectors.go).
	Embed         func(ctx context.Context, texts []string) ([][]float32, error)
	MinSimilarity float64
}

type gapQuestion struct {
	id       int64
	text     string
	mode     string
	language string
	at       time.Time
	terms    []string
	// shown: the answer rests on sources the reviewer may see, so its
	// text may be shown; else it is only counted (Gap.Withheld).
	shown bool
}

// Gaps clusters the questions since f.Since that the documents did not
// answer ("not covered", or answered citing nothing) by the words they
// share, largest gap first. A question shares a subject with another when
// both hold a word (or a part of a compound: "Sperrmüllabholung" holds
// "sperrmüll" when another question asks about Sperrmüll) that is no
// function word; each question joins the gap of its most widely shared
// word. A question sharing no word with any other is a gap of one.
func (s *Service) Gaps(ctx context.Context, f GapFilter) ([]Gap, error) {
	rows, err := s.db.Query(ctx, s.q.Get("GapQuestions"), f.Since, nonNil(f.Groups), f.Collection, maxGapQuestions)
	if err != nil {
		return nil, fmt.Errorf("insight: gap questions: %w", err)
	}
	qs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (gapQuestion, error) {
		var q gapQuestion
		err := r.Scan(&q.id, &q.text, &q.mode, &q.language, &q.at, &q.shown)
		return q, err
	})
	if err != nil {
		return nil, fmt.Errorf("insight: gap questions: %w", err)
	}
	cs := clusterWords(qs)
	if f.Embed != nil && f.MinSimilarity > 0 {
		if cs, err = mergeByVectors(ctx, qs, cs, f.Embed, f.MinSimilarity); err != nil {
			return nil, err
		}
	}
	return gapsOf(qs, cs), nil
}

// cluster is a gap in the making: a label and its questions' indexes.
type cluster struct {
	label   string
	members []int
}

// clusterWords groups questions (newest first) by shared terms.
func clusterWords(qs []gapQuestion) []cluster {
	// A word is "known" when a question uses it on its own: the parts
	// compounds are split into.
	wordCount := map[string]int{}
	for i := range qs {
		for _, w := range compound.Words(qs[i].text) {
			wordCount[w]++
		}
	}
	known := compound.WithSeed(func(w string) int { return wordCount[w] })
	df, stop, nouns := map[string]int{}, stopWordSet(), map[string]bool{}
	// Words long enough to be the head or the tail of a compound that
	// splitting does not find ("abholung" unknown: "sperrmüllabholung"
	// still holds "sperrmüll").
	var affixes []string
	for w := range wordCount {
		if utf8.RuneCountInString(w) >= minAffixLetters && !stop[w] {
			affixes = append(affixes, w)
		}
	}
	for i := range qs {
		qs[i].terms = termsOf(qs[i].text, known, stop, affixes, nouns)
		for _, t := range qs[i].terms {
			df[t]++
		}
	}
	terms := make([]string, 0, len(df))
	for t, n := range df {
		if n >= 2 {
			terms = append(terms, t)
		}
	}
	// Nouns first (a subject is a thing: "Sperrmüll", not "kostet"),
	// then the most widely shared word; of equals, the longer (more
	// specific) and then by name.
	slices.SortFunc(terms, func(a, b string) int {
		return cmp.Or(boolOrder(nouns[b])-boolOrder(nouns[a]), df[b]-df[a],
			utf8.RuneCountInString(b)-utf8.RuneCountInString(a), strings.Compare(a, b))
	})
	assigned := make([]bool, len(qs))
	var out []cluster
	for _, t := range terms {
		var members []int
		for i := range qs {
			if !assigned[i] && slices.Contains(qs[i].terms, t) {
				members = append(members, i)
			}
		}
		if len(members) < 2 {
			continue
		}
		for _, i := range members {
			assigned[i] = true
		}
		out = append(out, cluster{label: t, members: members})
	}
	for i := range qs {
		if !assigned[i] {
			label := "" // a withheld question alone lends no word
			if len(qs[i].terms) > 0 && qs[i].shown {
				label = qs[i].terms[0]
			}
			out = append(out, cluster{label: label, members: []int{i}})
		}
	}
	return out
}

// gapsOf turns clusters into gaps, largest and then latest first.
func gapsOf(qs []gapQuestion, cs []cluster) []Gap {
	gaps := make([]Gap, 0, len(cs))
	for _, c := range cs {
		gaps = append(gaps, newGap(c.label, qs, c.members))
	}
	slices.SortStableFunc(gaps, func(a, b Gap) int { return cmp.Or(b.Count-a.Count, b.LastAsked.Compare(a.LastAsked)) })
	return gaps
}

func newGap(label string, qs []gapQuestion, members []int) Gap {
	g := Gap{Label: label, Count: len(members), Weeks: []WeekCount{}, Questions: []string{}}
	weeks := map[string]int{}
	for _, i := range members {
		q := qs[i]
		if q.mode == "not_covered" {
			g.NotCovered++
		} else {
			g.LowEvidence++
		}
		y, w := q.at.ISOWeek()
		weeks[fmt.Sprintf("%d-W%02d", y, w)]++
		if !q.shown {
			g.Withheld++
		} else if len(g.Questions) < gapSamples && !slices.Contains(g.Questions, q.text) {
			g.Questions = append(g.Questions, q.text)
		}
		if q.at.After(g.LastAsked) {
			g.LastAsked = q.at
		}
	}
	for _, w := range slices.Sorted(maps.Keys(weeks)) {
		g.Weeks = append(g.Weeks, WeekCount{Week: w, Count: weeks[w]})
	}
	return g
}

// termsOf returns the content words of a question and the parts of its
// compounds, without function words, each once. Terms from a word
// written with a capital inside the question (a German noun, a name) are
// marked in nouns, its parts too.
func termsOf(text string, known compound.Known, stop map[string]bool, affixes []string, nouns map[string]bool) []string {
	var out []string
	add := func(w string, noun bool) {
		if utf8.RuneCountInString(w) < minTermLetters || stop[w] {
			return
		}
		if noun {
			nouns[w] = true
		}
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	capital := map[string]bool{}
	for i, f := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if r, _ := utf8.DecodeRuneInString(f); i > 0 && unicode.IsUpper(r) {
			capital[strings.ToLower(f)] = true
		}
	}
	for _, w := range compound.Words(text) {
		noun := capital[w]
		add(w, noun)
		for _, p := range compound.Parts(w, known) {
			add(p, noun)
		}
		for _, a := range affixes {
			if len(a) < len(w) && (strings.HasPrefix(w, a) || strings.HasSuffix(w, a)) {
				add(a, noun)
			}
		}
	}
	return out
}

func boolOrder(b bool) int {
	if b {
		return 1
	}
	return 0
}

// stopWordList are function words of questions in the languages the
// assistant serves (German, English, French) with at least
// minTermLetters letters: words every question shares.
const stopWordList = `
		wann wird werden wurde wurden kann können könnte muss müssen darf dürfen soll sollen sollte
		habe haben hast sind sein seine seiner einen einer eines eine einem dies diese dieser dieses
		welche welcher welches welchen warum wieso weshalb wofür womit wozu woher wohin über unter
		nach mich meine meinem meinen meiner mein euch ihre ihrem ihren ihrer gibt geben gilt gelten
		noch auch oder aber nicht kein keine keinen wenn dann dass also bitte viel viele wieviel
		wieviele lange ganz mehr etwas jemand schon immer sich beim zum vom durch gegen ohne
		what when where which whom whose does have with from this that there about would could
		should into your their them they many much been were will some than then also just
		quand comment quel quelle quels quelles pour avec dans sont une des les que qui quoi
		combien puis peut peuvent dois doit faut elle elles nous vous leur leurs cette mais
		`

// stopWordSet is stopWordList as a set.
func stopWordSet() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(stopWordList) {
		m[w] = true
	}
	return m
}
