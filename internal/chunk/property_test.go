package chunk

import (
	"bytes"
	"log"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/extract"
)

// pieces of text random blocks are made of, chosen to hit the splitter's
// corners: no spaces at all, multi-byte runes, separators in odd places,
// sentence ends, white space other than ' ', and the splitter's own
// sentence marker.
var fragments = []string{
	"Die Gemeinde erhebt die Hundesteuer.", "Abs. 2", "§§ 2, 8", " ", "  ", "\n", "\n\n", "\t",
	"\u00a0", "ä", "€", "😀", "日本語", "e\u0301", ".", "?", "!", "…", "Kommunalabgabengesetz",
	"https://example.org/a/b/c?d=e", "1.800,00", "|", "\uE000", "x",
}

// randomText returns text of up to about n runes, sometimes one word with
// no spaces repeated into thousands of runes.
func randomText(r *rand.Rand, n int) string {
	var b strings.Builder
	if r.IntN(8) == 0 {
		return strings.Repeat(fragments[r.IntN(len(fragments))], 1+r.IntN(3000))
	}
	for b.Len() < n {
		f := fragments[r.IntN(len(fragments))]
		if r.IntN(4) == 0 {
			f = strings.Repeat(f, 1+r.IntN(200))
		}
		b.WriteString(f)
		if r.IntN(3) > 0 {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

func randomBlocks(r *rand.Rand) []extract.Block {
	blocks := make([]extract.Block, r.IntN(60))
	page := r.IntN(3)
	for i := range blocks {
		if r.IntN(10) == 0 && page > 0 {
			page++
		}
		b := extract.Block{Kind: extract.BlockKind(r.IntN(4)), Page: page}
		if b.Kind == extract.Heading {
			b.Level = r.IntN(8) // out-of-range levels on purpose
			b.Text = randomText(r, 1+r.IntN(40))
			if r.IntN(20) == 0 {
				b.Text = randomText(r, 3000) // a "heading" of a page of text
			}
		} else {
			b.Text = randomText(r, r.IntN(2500))
		}
		blocks[i] = b
	}
	return blocks
}

func randomOptions(r *rand.Rand) Options {
	return Options{
		TargetTokens:  r.IntN(700) - 50,
		MaxTokens:     r.IntN(800) - 50,
		OverlapTokens: r.IntN(300) - 100,
	}
}

// TestSplitProperties checks the invariants on random documents with
// random options, including the extremes (MaxTokens at its minimum, words
// of thousands of runes). Not parallel: it captures the standard logger
// to catch langchaingo's "[WARN] created a chunk …" messages, which would
// mean it packed beyond the size asked.
func TestSplitProperties(t *testing.T) {
	var logged bytes.Buffer
	log.SetOutput(&logged)
	t.Cleanup(func() { log.SetOutput(defaultLogOutput) })

	r := rand.New(rand.NewPCG(1, 2))
	n := 200
	if testing.Short() {
		n = 50
	}
	for range n {
		blocks := randomBlocks(r)
		opts := randomOptions(r)
		chunks := Split(blocks, opts)
		checkInvariants(t, blocks, opts, chunks)
		if t.Failed() {
			t.Fatalf("options %+v, %d blocks", opts, len(blocks))
		}
	}
	if logged.Len() > 0 {
		t.Errorf("the splitter logged: %.300s", logged.String())
	}
}

var defaultLogOutput = log.Writer()

// FuzzSplit decodes random bytes into blocks and options and checks the
// invariants: every chunk within MaxTokens, ordinals 0..n-1, pages in
// order, and every non-space rune of the input in some chunk.
//
// Each record of the input is a header byte (kind, level, page step, and
// whether to repeat the text into a huge block), a length byte, and that
// many bytes of text.
func FuzzSplit(f *testing.F) {
	f.Add([]byte("\x00\x10Die Gemeinde erhebt\x01\x03§ 1\x02\x05a|b|c"), uint16(60), uint16(80), int16(10))
	f.Add([]byte("\x80\x04abcd\x80\x02é€"), uint16(0), uint16(16), int16(0))
	f.Add([]byte("\x81\x08Abs. 2. \x00\x20Satz eins. Satz zwei! Satz drei?\x03\x02\n\n"), uint16(20), uint16(30), int16(-1))
	f.Add([]byte("\x84\x01x"), uint16(350), uint16(512), int16(50))
	f.Fuzz(func(t *testing.T, data []byte, target, maxTokens uint16, overlap int16) {
		var blocks []extract.Block
		page := 0
		for len(data) >= 2 {
			h, n := data[0], int(data[1])
			data = data[2:]
			n = min(n, len(data))
			text := strings.ToValidUTF8(string(data[:n]), "\uFFFD")
			data = data[n:]
			if h&0x80 != 0 {
				text = strings.Repeat(text, 200) // huge blocks, huge words
			}
			if h&0x40 != 0 {
				page++
			}
			blocks = append(blocks, extract.Block{Kind: extract.BlockKind(h & 3), Level: int(h>>2) & 7, Text: text, Page: page})
		}
		opts := Options{TargetTokens: int(target % 2048), MaxTokens: int(maxTokens % 2048), OverlapTokens: int(overlap)}
		tm := time.AfterFunc(3*time.Second, func() { panic("slow") })
		ch := Split(blocks, opts)
		tm.Stop()
		checkInvariants(t, blocks, opts, ch)
	})
}

// BenchmarkSplit reports MB/s; the 300- and 1200-page cases side by side
// show that time grows linearly with the input (equal MB/s), which a timed
// unit test could not assert reliably on a shared machine.
func BenchmarkSplit(b *testing.B) {
	for _, bc := range []struct {
		name   string
		blocks []extract.Block
	}{
		{"300pages", syntheticDoc(3, 300)},
		{"1200pages", syntheticDoc(3, 1200)},
		{"oversized-paragraph", []extract.Block{{Text: paragraph(rand.New(rand.NewPCG(5, 5)), 5000)}}},
		{"no-spaces", []extract.Block{{Text: strings.Repeat("Hundesteuer", 50_000)}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(textBytes(bc.blocks)))
			b.ReportAllocs()
			var n int
			for b.Loop() {
				n = len(Split(bc.blocks, Options{}))
			}
			b.ReportMetric(float64(n), "chunks")
		})
	}
}
