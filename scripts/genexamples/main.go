// Command genexamples renders the fictional sample documents in
// examples/docs/*.md to PDF with internal/pdfmake, so that Civitas can be
// demonstrated and tested on files whose every word and page we know.
//
// Usage:
//
//	go run ./scripts/genexamples [-src examples/docs] [-out examples/pdf]
//
// Only the small Markdown subset the sample documents use is understood:
// "#"/"##"/"###" headings, paragraphs, "-"/"*" bullets, "1." numbered items,
// "|" tables (rendered as lines with cells joined by " | "), "> " quotes and
// two directives in HTML comments: <!-- footer: TEXT --> sets the footer
// printed on every page, <!-- pagebreak --> forces a new page. The language
// prefix of the file name (de_, fr_, en_, nl_) picks the page label.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/civitas-eu/civitas/internal/pdfmake"
)

func main() {
	src := flag.String("src", "examples/docs", "directory holding the Markdown sources")
	out := flag.String("out", "examples/pdf", "directory to write the PDFs to (created if missing)")
	flag.Parse()
	if err := run(*src, *out); err != nil {
		fmt.Fprintln(os.Stderr, "genexamples:", err)
		os.Exit(1)
	}
}

// run converts every *.md file in srcDir into a PDF of the same base name
// in outDir.
func run(srcDir, outDir string) error {
	paths, err := filepath.Glob(filepath.Join(srcDir, "*.md"))
	if err != nil {
		return fmt.Errorf("list sources: %w", err)
	}
	if len(paths) == 0 {
		return fmt.Errorf("no *.md files in %s", srcDir)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read source: %w", err)
		}
		name := strings.TrimSuffix(filepath.Base(path), ".md")
		doc := convert(string(src), name)
		dst := filepath.Join(outDir, name+".pdf")
		if err := writePDF(dst, doc); err != nil {
			return err
		}
		fmt.Printf("%s: %d page(s)\n", dst, doc.NumPages())
	}
	return nil
}

func writePDF(path string, doc *pdfmake.Document) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := doc.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	return nil
}

// pageLabels maps a file-name language prefix to the footer's page word.
var pageLabels = map[string]string{"de": "Seite", "fr": "Page", "en": "Page", "nl": "Pagina"}

var (
	directiveRe = regexp.MustCompile(`^<!--\s*([a-z]+)\s*:?\s*(.*?)\s*-->$`)
	numberedRe  = regexp.MustCompile(`^(\d+\.)\s+(.*)$`)
	tableSepRe  = regexp.MustCompile(`^\|?(\s*:?-+:?\s*\|)+\s*(:?-+:?\s*)?$`)
	linkRe      = regexp.MustCompile(`\[([^\]]+)\]\(([^)]+)\)`)
	emphasisRe  = regexp.MustCompile("\\*\\*|__|`")
)

// convert lays out one Markdown document. name is the file's base name,
// used for the page label and as the title if the source has no "#".
func convert(src, name string) *pdfmake.Document {
	doc := pdfmake.New(name)
	label := pageLabels[strings.SplitN(name, "_", 2)[0]]
	if label == "" {
		label = "Page"
	}
	doc.PageLabel = label

	var (
		para     []string
		table    [][]string
		haveHead bool // the table's first row is a header (a separator followed it)
		titled   bool
	)
	flushPara := func() {
		if len(para) > 0 {
			doc.Paragraph(inline(strings.Join(para, " ")))
			para = nil
		}
	}
	flushTable := func() {
		for i, cells := range table {
			st := pdfmake.Style{SpaceBefore: 2, Hanging: 12}
			if i == 0 {
				st.SpaceBefore = 8
				st.Bold = haveHead
			}
			doc.Text(inline(strings.Join(cells, " | ")), st)
		}
		table, haveHead = nil, false
	}

	for _, raw := range strings.Split(src, "\n") {
		line := strings.TrimSpace(raw)
		if !strings.HasPrefix(line, "|") {
			flushTable()
		}
		switch {
		case line == "":
			flushPara()
		case directiveRe.MatchString(line):
			flushPara()
			m := directiveRe.FindStringSubmatch(line)
			switch m[1] {
			case "footer":
				doc.Footer = m[2]
			case "pagebreak":
				doc.PageBreak()
			}
		case strings.HasPrefix(line, "|"):
			flushPara()
			if tableSepRe.MatchString(line) {
				haveHead = len(table) == 1
				continue
			}
			table = append(table, splitRow(line))
		case strings.HasPrefix(line, "#"):
			flushPara()
			level := len(line) - len(strings.TrimLeft(line, "#"))
			text := inline(strings.TrimSpace(line[level:]))
			switch {
			case level == 1:
				if !titled {
					doc.Title, titled = text, true
				}
				doc.Heading(text)
			case level == 2:
				doc.Subheading(text)
			default:
				doc.Text(text, pdfmake.Style{Bold: true, SpaceBefore: 8, KeepWithNext: 2})
			}
		case line == "---" || line == "***":
			flushPara() // thematic break: the spacing of the next block suffices
		case strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "* "):
			flushPara()
			doc.Bullet(inline(line[2:]))
		case numberedRe.MatchString(line):
			flushPara()
			m := numberedRe.FindStringSubmatch(line)
			mark := m[1] + " "
			doc.Text(mark+inline(m[2]), pdfmake.Style{
				SpaceBefore: 2, Indent: 12, Hanging: pdfmake.Measure(mark, pdfmake.BodySize, false),
			})
		case strings.HasPrefix(line, ">"):
			flushPara()
			doc.Text(inline(strings.TrimSpace(line[1:])), pdfmake.Style{SpaceBefore: 6, Indent: 18})
		default:
			para = append(para, line)
		}
	}
	flushPara()
	flushTable()
	if doc.Footer == "" {
		doc.Footer = doc.Title
	}
	return doc
}

// splitRow returns the trimmed cells of a "| a | b |" table row.
func splitRow(line string) []string {
	line = strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|")
	cells := strings.Split(line, "|")
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}

// inline drops emphasis and code markers and spells links out as
// "text (url)": a PDF reader should see the words, not the Markdown.
func inline(s string) string {
	s = linkRe.ReplaceAllString(s, "$1 ($2)")
	return emphasisRe.ReplaceAllString(s, "")
}
