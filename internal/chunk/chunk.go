// Package chunk cuts a document's extracted blocks into passages for
// embedding and search, along the document's own structure.
//
// Split walks the blocks in order under a stack of headings, so every
// chunk knows the section it belongs to ("§ 1 > Abs. 2") and the pages it
// spans. A heading always opens a chunk, which consecutive headings share
// with the text after them, so a heading is never the last line of a chunk
// (unless the document ends in headings). Paragraphs, list items and table
// rows are packed whole up to a target size; only a block larger than the
// hard maximum is cut, with langchaingo's recursive character splitter
// (paragraphs, lines, sentences, spaces), and by runes as a last resort.
// Chunks of the same section overlap by a few whole sentences (whole table
// rows; words when one sentence is longer than the overlap). Sizes are in
// estimated tokens (CountTokens), and no chunk ever exceeds the maximum,
// which must fit the embedding model's context.
package chunk

import (
	"slices"
	"strings"

	"github.com/civitas-eu/civitas/internal/extract"
)

// Defaults for the zero Options. 512 tokens fit the smallest context of
// the usual embedding models (e.g. mxbai-embed-large, bge-base); 350 leaves
// room for the overlap and keeps chunks focused enough to rank well.
const (
	DefaultTargetTokens  = 350
	DefaultMaxTokens     = 512
	DefaultOverlapTokens = 50
	// MinMaxTokens is the smallest MaxTokens honoured; below it, headings
	// and overlap leave no room for text.
	MinMaxTokens = 16
	// maxPathRunes bounds one heading in a HeadingPath; the chunk text keeps
	// the whole heading.
	maxPathRunes = 200
)

// Options size the chunks, in tokens as estimated by CountTokens. Zero
// fields take the defaults.
type Options struct {
	// TargetTokens is the size up to which blocks are packed into a chunk.
	TargetTokens int
	// MaxTokens is the hard cap on a chunk: blocks larger than it are cut.
	// It must fit the embedding model's context. At least MinMaxTokens.
	MaxTokens int
	// OverlapTokens is how much of the previous chunk's end, in whole
	// sentences where possible, a chunk of the same section starts with.
	// Negative means no overlap. At most half of TargetTokens.
	OverlapTokens int
}

// withDefaults fills zero fields and makes the sizes consistent.
func (o Options) withDefaults() Options {
	if o.MaxTokens == 0 {
		o.MaxTokens = DefaultMaxTokens
	}
	o.MaxTokens = max(o.MaxTokens, MinMaxTokens)
	if o.TargetTokens <= 0 {
		o.TargetTokens = DefaultTargetTokens
	}
	o.TargetTokens = min(o.TargetTokens, o.MaxTokens)
	switch {
	case o.OverlapTokens == 0:
		o.OverlapTokens = DefaultOverlapTokens
	case o.OverlapTokens < 0:
		o.OverlapTokens = 0
	}
	o.OverlapTokens = min(o.OverlapTokens, o.TargetTokens/2)
	return o
}

// Chunk is one passage of a document.
type Chunk struct {
	// Ordinal is the chunk's position in the document, from 0.
	Ordinal int
	// PageStart and PageEnd are the first and last page the chunk's text
	// comes from, 1-based; both are 0 for formats without pages.
	PageStart, PageEnd int
	// HeadingPath is the titles of the headings in force where the chunk's
	// text starts, outermost first, e.g. ["§ 1 Steuergegenstand", "Abs. 2"],
	// including those the chunk opens with; nil before the first heading.
	// Titles have their white space collapsed and are cut at 200 runes.
	HeadingPath []string
	// Text is the chunk's blocks joined by "\n" (a table row per line),
	// after the overlap taken from the previous chunk, if any.
	Text string
	// Tokens is CountTokens(Text), never more than Options.MaxTokens.
	Tokens int
}

// Split cuts one document's blocks into chunks; see the package comment
// for the rules. Empty input, or input of white space only, gives no
// chunks. Blocks must be in reading order; Split never carries text or
// overlap from one call to the next.
func Split(blocks []extract.Block, opts Options) []Chunk {
	b := builder{opts: opts.withDefaults()}
	for _, blk := range blocks {
		text := strings.TrimSpace(blk.Text)
		if text == "" {
			continue
		}
		switch blk.Kind {
		case extract.Heading:
			b.heading(text, blk.Level, blk.Page)
		default:
			b.body(text, blk.Page, blk.Kind == extract.TableRow)
		}
	}
	b.flush(false)
	return b.out
}

// line is one block, piece of a block or overlap in the chunk being built.
type line struct {
	text           string
	n              counts
	pageLo, pageHi int // 0 when unknown
	heading        bool
	atomic         bool // a table row: overlap takes it whole or not at all
}

func (l *line) addPages(lo, hi int) {
	if lo <= 0 {
		return
	}
	if l.pageLo == 0 || lo < l.pageLo {
		l.pageLo = lo
	}
	l.pageHi = max(l.pageHi, hi)
}

type section struct {
	level int
	title string
}

// builder holds the state of one Split call: the heading stack, the chunk
// being filled and the chunks done.
type builder struct {
	opts  Options
	stack []section
	out   []Chunk

	lines   []line // the chunk being filled
	n       counts // of lines joined by "\n"
	hasBody bool   // lines holds more than headings
	path    []string

	// prev are the body lines of the last chunk when it was closed for
	// size, the source of the next chunk's overlap; nil after a heading.
	prev []line
}

func (b *builder) heading(text string, level, page int) {
	level = min(max(level, 1), 6)
	if b.hasBody {
		b.flush(false)
	}
	b.prev = nil
	for len(b.stack) > 0 && b.stack[len(b.stack)-1].level >= level {
		b.stack = b.stack[:len(b.stack)-1]
	}
	b.stack = append(b.stack, section{level, firstRunes(strings.Join(strings.Fields(text), " "), maxPathRunes)})

	n := countText(text, 0)
	if n.tokens() > b.opts.MaxTokens/4 {
		// Not a real heading (a layout guess gone wrong, a run-in title):
		// keep its text as body, where it can be cut to size.
		b.setPath()
		b.body(text, page, false)
		return
	}
	// Consecutive headings share a chunk, so that none is left alone at
	// the end of one; a pile of them (a table of contents marked up as
	// headings) is closed before it crowds out the text.
	if len(b.lines) > 0 && join(b.n, n).tokens() > b.opts.MaxTokens/2 {
		b.flush(false)
	}
	b.add(line{text: text, n: n, pageLo: page, pageHi: page, heading: true})
	b.setPath()
}

// body adds a paragraph, list item or table row, cut first if it cannot
// fit in a chunk.
func (b *builder) body(text string, page int, row bool) {
	n := countText(text, 0)
	pieces := []string{text}
	switch {
	case len(b.lines) > 0 && !b.hasBody:
		// Only headings so far: the block's start must fit behind them.
		if join(b.n, n).tokens() <= b.opts.MaxTokens {
			break
		}
		size := min(b.opts.TargetTokens, b.opts.MaxTokens-b.n.tokens()-1)
		if size < b.opts.MaxTokens/4 {
			b.flush(false)
			size = b.opts.TargetTokens
		}
		pieces = splitBlock(text, size)
	case n.tokens() > b.opts.MaxTokens:
		pieces = splitBlock(text, b.opts.TargetTokens)
	}
	for _, p := range pieces {
		b.place(line{text: p, n: countText(p, 0), pageLo: page, pageHi: page, atomic: row})
	}
}

// place puts a piece of body text, which fits a chunk, into the current
// chunk if it stays within the target, else into a new one that starts
// with the overlap.
func (b *builder) place(l line) {
	if b.hasBody {
		if join(b.n, l.n).tokens() <= b.opts.TargetTokens {
			b.add(l)
			return
		}
		b.flush(true)
	}
	if len(b.lines) == 0 {
		b.setPath()
		// tail + "\n" + l costs at most tail + 1 + l tokens.
		budget := min(b.opts.OverlapTokens, b.opts.MaxTokens-l.n.tokens()-1)
		if t, ok := tail(b.prev, budget); ok {
			b.add(t)
		}
	}
	b.add(l)
	b.hasBody = true
}

func (b *builder) add(l line) {
	b.lines = append(b.lines, l)
	b.n = join(b.n, l.n)
}

func (b *builder) setPath() {
	b.path = b.path[:0:0]
	for _, s := range b.stack {
		b.path = append(b.path, s.title)
	}
}

// flush closes the chunk being filled. forSize says it was closed because
// the next block did not fit, so the next chunk continues the section and
// overlaps this one.
func (b *builder) flush(forSize bool) {
	if len(b.lines) == 0 {
		return
	}
	texts := make([]string, len(b.lines))
	var pages line
	for i, l := range b.lines {
		texts[i] = l.text
		pages.addPages(l.pageLo, l.pageHi)
	}
	text := strings.Join(texts, "\n")
	b.out = append(b.out, Chunk{
		Ordinal:     len(b.out),
		PageStart:   pages.pageLo,
		PageEnd:     pages.pageHi,
		HeadingPath: slices.Clip(b.path),
		Text:        text,
		Tokens:      b.n.tokens(), // = CountTokens(text): lines are trimmed, "\n" adds a rune
	})
	b.prev = nil
	if forSize {
		b.prev = slices.DeleteFunc(b.lines, func(l line) bool { return l.heading })
	}
	b.lines, b.n, b.hasBody = nil, counts{}, false
}
