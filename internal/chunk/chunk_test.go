package chunk

import (
	"bufio"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/extract"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenInput is a test case in testdata/*.json: blocks written for people
// (kinds by name) and the options to split them with.
type goldenInput struct {
	Comment string
	Options Options
	Blocks  []struct {
		Kind  string // heading, paragraph, list, row
		Level int
		Text  string
		Page  int
	}
}

// goldenChunk is a chunk as the golden files show it.
type goldenChunk struct {
	Ordinal int      `json:"ordinal"`
	Pages   [2]int   `json:"pages"`
	Path    []string `json:"path"`
	Tokens  int      `json:"tokens"`
	Text    string   `json:"text"`
}

var kinds = map[string]extract.BlockKind{
	"heading": extract.Heading, "paragraph": extract.Paragraph, "list": extract.ListItem, "row": extract.TableRow,
}

func loadInput(t *testing.T, path string) ([]extract.Block, Options) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var in goldenInput
	if err := json.Unmarshal(data, &in); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	blocks := make([]extract.Block, len(in.Blocks))
	for i, b := range in.Blocks {
		k, ok := kinds[b.Kind]
		if !ok {
			t.Fatalf("%s: block %d: unknown kind %q", path, i, b.Kind)
		}
		blocks[i] = extract.Block{Kind: k, Level: b.Level, Text: b.Text, Page: b.Page}
	}
	return blocks, in.Options
}

// markdownBlocks turns a Markdown file into blocks the way a simple
// loader would: # headings, "- "/"1. " list items, "|" table rows, other
// lines paragraphs; YAML front matter and rules are skipped.
func markdownBlocks(t *testing.T, path string) []extract.Block {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks []extract.Block
	sc := bufio.NewScanner(f)
	front := false
	for n := 0; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "---" && (n == 0 || front):
			front = n == 0
		case front, line == "", line == "---":
		case strings.HasPrefix(line, "#"):
			level := len(line) - len(strings.TrimLeft(line, "#"))
			blocks = append(blocks, extract.Block{Kind: extract.Heading, Level: level, Text: strings.TrimSpace(line[level:])})
		case strings.HasPrefix(line, "- "), len(line) > 3 && line[0] >= '0' && line[0] <= '9' && strings.Contains(line[:4], ". "):
			blocks = append(blocks, extract.Block{Kind: extract.ListItem, Text: line})
		case strings.HasPrefix(line, "|"):
			blocks = append(blocks, extract.Block{Kind: extract.TableRow, Text: line})
		default:
			blocks = append(blocks, extract.Block{Kind: extract.Paragraph, Text: line})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return blocks
}

// TestGolden splits each testdata input and compares the chunks with its
// .golden.json file; go test -run TestGolden -update rewrites them after a
// deliberate change, to be reviewed in the diff.
func TestGolden(t *testing.T) {
	t.Parallel()
	inputs, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	mds, err := filepath.Glob(filepath.Join("testdata", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	inputs = slices.DeleteFunc(append(inputs, mds...), func(p string) bool { return strings.HasSuffix(p, ".golden.json") })
	if len(inputs) == 0 {
		t.Fatal("no inputs in testdata/")
	}
	for _, path := range inputs {
		name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var blocks []extract.Block
			var opts Options
			if strings.HasSuffix(path, ".md") {
				blocks = markdownBlocks(t, path)
			} else {
				blocks, opts = loadInput(t, path)
			}
			chunks := Split(blocks, opts)
			checkInvariants(t, blocks, opts, chunks)

			got := make([]goldenChunk, len(chunks))
			for i, c := range chunks {
				got[i] = goldenChunk{c.Ordinal, [2]int{c.PageStart, c.PageEnd}, c.HeadingPath, c.Tokens, c.Text}
			}
			data, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			data = append(data, '\n')
			golden := filepath.Join("testdata", name+".golden.json")
			if *update {
				if err := os.WriteFile(golden, data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if string(data) != string(want) {
				t.Errorf("chunks differ from %s; got:\n%s", golden, data)
			}
		})
	}
}

func TestSplitSmallAndEmpty(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		blocks []extract.Block
		want   int
	}{
		{"nil", nil, 0},
		{"empty blocks", []extract.Block{{Text: ""}, {Kind: extract.Heading, Level: 1, Text: "  \n\t"}}, 0},
		{"one paragraph", []extract.Block{{Text: "Die Gemeinde erhebt die Hundesteuer."}}, 1},
		{"small document", []extract.Block{
			{Kind: extract.Heading, Level: 1, Text: "Hundesteuersatzung", Page: 1},
			{Text: "Die Gemeinde erhebt die Hundesteuer nach dieser Satzung.", Page: 1},
			{Kind: extract.ListItem, Text: "1. Ersthund 165,00 €", Page: 1},
			{Kind: extract.TableRow, Text: "Kampfhund | 900,00 €", Page: 2},
		}, 1},
		{"only a heading", []extract.Block{{Kind: extract.Heading, Level: 2, Text: "Anlage"}}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			chunks := Split(tc.blocks, Options{})
			checkInvariants(t, tc.blocks, Options{}, chunks)
			if len(chunks) != tc.want {
				t.Fatalf("Split gave %d chunks, want %d: %+v", len(chunks), tc.want, chunks)
			}
		})
	}
}

func TestHeadingPath(t *testing.T) {
	t.Parallel()
	blocks, opts := loadInput(t, filepath.Join("testdata", "heading_path.json"))
	chunks := Split(blocks, opts)
	want := []struct {
		path  []string
		first string // first line of the text
		pages [2]int
	}{
		{[]string{"Hundesteuersatzung", "§ 1 Steuergegenstand", "Abs. 1"}, "Hundesteuersatzung", [2]int{1, 1}},
		{[]string{"Hundesteuersatzung", "§ 1 Steuergegenstand", "Abs. 2"}, "Abs. 2", [2]int{1, 1}},
		{[]string{"Hundesteuersatzung", "§ 2 Steuerschuldner und Haftung"}, "§ 2 Steuerschuldner und Haftung", [2]int{2, 2}},
		{[]string{"Hundesteuersatzung", "§ 2 Steuerschuldner und Haftung", "Abs. 1"}, "Abs. 1", [2]int{2, 2}},
		{[]string{"Anlage"}, "Anlage", [2]int{3, 3}},
	}
	if len(chunks) != len(want) {
		t.Fatalf("got %d chunks, want %d: %+v", len(chunks), len(want), chunks)
	}
	for i, w := range want {
		c := chunks[i]
		first, _, _ := strings.Cut(c.Text, "\n")
		if !slices.Equal(c.HeadingPath, w.path) || first != w.first || [2]int{c.PageStart, c.PageEnd} != w.pages {
			t.Errorf("chunk %d: path %q, first line %q, pages %d–%d; want %q, %q, %d–%d",
				i, c.HeadingPath, first, c.PageStart, c.PageEnd, w.path, w.first, w.pages[0], w.pages[1])
		}
	}
}

func TestPagesSpanBlocks(t *testing.T) {
	t.Parallel()
	blocks, opts := loadInput(t, filepath.Join("testdata", "pages.json"))
	chunks := Split(blocks, opts)
	if len(chunks) < 2 {
		t.Fatalf("got %d chunks, want several", len(chunks))
	}
	spans := false
	for _, c := range chunks {
		spans = spans || c.PageStart < c.PageEnd
	}
	if !spans {
		t.Errorf("no chunk spans a page break: %+v", chunks)
	}
	if chunks[0].PageStart != 1 || chunks[len(chunks)-1].PageEnd != 3 {
		t.Errorf("pages run %d–%d, want 1–3", chunks[0].PageStart, chunks[len(chunks)-1].PageEnd)
	}
}

func TestTableRowsAndListsStayWhole(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"table", "list"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			blocks, opts := loadInput(t, filepath.Join("testdata", name+".json"))
			chunks := Split(blocks, opts)
			var lines []string
			for _, c := range chunks {
				lines = append(lines, strings.Split(c.Text, "\n")...)
			}
			for _, b := range blocks {
				if b.Kind == extract.TableRow || b.Kind == extract.ListItem {
					if !slices.Contains(lines, b.Text) {
						t.Errorf("%s %q is not a line of any chunk", b.Kind, b.Text)
					}
				}
			}
			if name == "list" && len(chunks) != 1 {
				t.Errorf("list: got %d chunks, want the items packed into 1", len(chunks))
			}
			if name == "table" && len(chunks) < 3 {
				t.Errorf("table: got %d chunks, want the rows spread over several", len(chunks))
			}
		})
	}
}

func TestOverlap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// sentences: every overlap starts at a sentence or line; else the
		// sentences are longer than the overlap and it starts at a word.
		sentences bool
	}{
		{"overlap", true},
		{"table", true},
		{"oversize", false},
	}
	for _, tc := range tests {
		name := tc.name
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			blocks, opts := loadInput(t, filepath.Join("testdata", name+".json"))
			chunks := Split(blocks, opts)
			found := 0
			for i := 1; i < len(chunks); i++ {
				prev, c := chunks[i-1], chunks[i]
				ov := overlapOf(prev.Text, c.Text)
				sameSection := slices.Equal(prev.HeadingPath, c.HeadingPath) && !slices.Contains(c.HeadingPath, firstLine(c.Text))
				switch {
				case !sameSection && ov != "":
					t.Errorf("chunk %d opens a new section but overlaps the previous one by %q", i, ov)
				case sameSection && ov == "":
					t.Errorf("chunk %d continues its section without overlap:\n%s\n---\n%s", i, prev.Text, c.Text)
				case sameSection:
					found++
					if n := CountTokens(ov); n > opts.OverlapTokens {
						t.Errorf("chunk %d: overlap %q is %d tokens, more than %d", i, ov, n, opts.OverlapTokens)
					}
					before := strings.TrimSuffix(prev.Text, ov)
					if tc.sentences && !sentenceStart(before) {
						t.Errorf("chunk %d: overlap %q does not start at a sentence or line", i, ov)
					}
					if !strings.HasSuffix(before, " ") && !strings.HasSuffix(before, "\n") {
						t.Errorf("chunk %d: overlap %q starts inside a word", i, ov)
					}
					if len(ov) >= 20 { // the least overlap TrimOverlap removes
						if got, want := TrimOverlap(prev.Text, c.Text), strings.TrimLeft(c.Text[len(ov):], " \n"); got != want {
							t.Errorf("chunk %d: TrimOverlap left %q, want %q", i, got, want)
						}
					}
				}
			}
			if found == 0 {
				t.Errorf("no overlapping chunks in %d chunks", len(chunks))
			}
		})
	}
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

// TestHeadingNeverLast checks that a chunk with body text never ends in a
// heading: headings are only ever at the start of a chunk.
func TestHeadingNeverLast(t *testing.T) {
	t.Parallel()
	blocks := syntheticDoc(7, 40)
	headings := map[string]bool{}
	for _, b := range blocks {
		if b.Kind == extract.Heading {
			headings[b.Text] = true
		}
	}
	for _, c := range Split(blocks, Options{TargetTokens: 120, MaxTokens: 200}) {
		lines := strings.Split(c.Text, "\n")
		allHeadings := true
		for _, l := range lines {
			allHeadings = allHeadings && headings[l]
		}
		if !allHeadings && headings[lines[len(lines)-1]] {
			t.Errorf("chunk %d ends with heading %q", c.Ordinal, lines[len(lines)-1])
		}
	}
}

func TestOptionsDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want Options
	}{
		{Options{}, Options{350, 512, 50}},
		{Options{MaxTokens: 200}, Options{200, 200, 50}},
		{Options{TargetTokens: 100, OverlapTokens: -1}, Options{100, 512, 0}},
		{Options{TargetTokens: 40, OverlapTokens: 100}, Options{40, 512, 20}},
		{Options{MaxTokens: 3}, Options{MinMaxTokens, MinMaxTokens, MinMaxTokens / 2}},
	}
	for _, tc := range tests {
		if got := tc.in.withDefaults(); got != tc.want {
			t.Errorf("%+v.withDefaults() = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// TestNoStateAcrossCalls checks that one call is one document: nothing,
// overlap included, carries over from the previous call.
func TestNoStateAcrossCalls(t *testing.T) {
	t.Parallel()
	a, b := syntheticDoc(1, 5), syntheticDoc(2, 5)
	opts := Options{TargetTokens: 100, MaxTokens: 150}
	want := Split(b, opts)
	Split(a, opts)
	got := Split(b, opts)
	if len(got) != len(want) {
		t.Fatalf("second Split of the same document gave %d chunks, first %d", len(got), len(want))
	}
	for i := range got {
		if got[i].Text != want[i].Text || !slices.Equal(got[i].HeadingPath, want[i].HeadingPath) {
			t.Errorf("chunk %d differs after splitting another document", i)
		}
	}
}
