package chunk

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"

	"github.com/civitas-eu/civitas/internal/extract"
)

// checkInvariants asserts what must hold for every Split result: sizes
// within MaxTokens and correctly counted, ordinals 0..n-1, sane page
// ranges, and no text lost: the non-space runes of the input, in order,
// are a subsequence of those of the chunks (overlap and repeated headings
// only insert text).
func checkInvariants(t testing.TB, blocks []extract.Block, opts Options, chunks []Chunk) {
	t.Helper()
	o := opts.withDefaults()
	minPage, maxPage := 0, 0
	for _, b := range blocks {
		if b.Page > 0 && strings.TrimSpace(b.Text) != "" {
			if minPage == 0 || b.Page < minPage {
				minPage = b.Page
			}
			maxPage = max(maxPage, b.Page)
		}
	}
	for i, c := range chunks {
		if c.Ordinal != i {
			t.Errorf("chunk %d: Ordinal = %d", i, c.Ordinal)
		}
		if c.Tokens > o.MaxTokens {
			t.Errorf("chunk %d: Tokens = %d > MaxTokens %d", i, c.Tokens, o.MaxTokens)
		}
		if got := CountTokens(c.Text); got != c.Tokens {
			t.Errorf("chunk %d: Tokens = %d, CountTokens(Text) = %d", i, c.Tokens, got)
		}
		if strings.TrimSpace(c.Text) == "" || c.Text != strings.TrimSpace(c.Text) {
			t.Errorf("chunk %d: Text %q is empty or not trimmed", i, c.Text)
		}
		if c.PageStart > c.PageEnd || (c.PageStart == 0) != (c.PageEnd == 0) {
			t.Errorf("chunk %d: pages %d–%d", i, c.PageStart, c.PageEnd)
		}
		if c.PageStart != 0 && (c.PageStart < minPage || c.PageEnd > maxPage) {
			t.Errorf("chunk %d: pages %d–%d outside the input's %d–%d", i, c.PageStart, c.PageEnd, minPage, maxPage)
		}
	}
	var in, out []rune
	for _, b := range blocks {
		in = appendNonSpace(in, b.Text)
	}
	for _, c := range chunks {
		out = appendNonSpace(out, c.Text)
	}
	j := 0
	for i, r := range in {
		for j < len(out) && out[j] != r {
			j++
		}
		if j == len(out) {
			t.Errorf("input text lost from rune %d on: %.60q", i, string(in[i:]))
			return
		}
		j++
	}
}

func appendNonSpace(dst []rune, s string) []rune {
	for _, r := range s {
		if !unicode.IsSpace(r) {
			dst = append(dst, r)
		}
	}
	return dst
}

// overlapOf returns the longest start of next, ending at a line end or at
// next's end, that is also the end of prev: the overlap Split put there.
func overlapOf(prev, next string) string {
	for k := min(len(prev), len(next)); k > 0; k-- {
		if (k == len(next) || next[k] == '\n') && strings.HasSuffix(prev, next[:k]) {
			return next[:k]
		}
	}
	return ""
}

var vocabulary = strings.Fields(`die der das Gemeinde Satzung Steuer Hund Halter erhebt nach
	dieser wird für und ist im Gemeindegebiet Kalenderjahr Steuerpflicht beginnt endet mit Ablauf
	des Monats Antrag Befreiung gewähren Bescheid festgesetzt fällig Gemeinderat beschließt
	Straßenreinigung Gehweg Anlieger räumen streuen Schnee Eis Werktagen Uhr bis von zu auf bei
	Kommunalabgabengesetz Baden-Württemberg Abs. Nr. Satz gemäß sowie oder nicht kein eine einen`)

// sentence returns a sentence of n words from the vocabulary.
func sentence(r *rand.Rand, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		w := vocabulary[r.IntN(len(vocabulary))]
		if i == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
	}
	b.WriteByte('.')
	return b.String()
}

func paragraph(r *rand.Rand, sentences int) string {
	s := make([]string, sentences)
	for i := range s {
		s[i] = sentence(r, 6+r.IntN(20))
	}
	return strings.Join(s, " ")
}

// syntheticDoc builds a statute-like document of the given number of
// pages: numbered sections with paragraphs, lists and tables, and now and
// then a paragraph far beyond any chunk size.
func syntheticDoc(seed uint64, pages int) []extract.Block {
	r := rand.New(rand.NewPCG(seed, 1))
	var blocks []extract.Block
	add := func(kind extract.BlockKind, level int, text string, page int) {
		blocks = append(blocks, extract.Block{Kind: kind, Level: level, Text: text, Page: page})
	}
	section := 0
	for p := 1; p <= pages; p++ {
		if p%10 == 1 {
			add(extract.Heading, 1, fmt.Sprintf("Teil %d", p/10+1), p)
		}
		if p%2 == 1 {
			section++
			add(extract.Heading, 2, fmt.Sprintf("§ %d %s", section, sentence(r, 3)), p)
		}
		for i := range 6 {
			if i%3 == 0 {
				add(extract.Heading, 3, fmt.Sprintf("Abs. %d", i/3+1), p)
			}
			add(extract.Paragraph, 0, paragraph(r, 2+r.IntN(5)), p)
		}
		for i := range 4 {
			add(extract.ListItem, 0, fmt.Sprintf("%d. %s", i+1, sentence(r, 5+r.IntN(10))), p)
		}
		if p%3 == 0 {
			for i := range 8 {
				add(extract.TableRow, 0, fmt.Sprintf("%d | %s | %d,00 €", i+1, sentence(r, 3), 10*r.IntN(50)), p)
			}
		}
		if p%25 == 0 {
			add(extract.Paragraph, 0, paragraph(r, 120), p)
		}
	}
	return blocks
}

func textBytes(blocks []extract.Block) int {
	n := 0
	for _, b := range blocks {
		n += len(b.Text)
	}
	return n
}
