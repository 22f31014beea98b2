package eval

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"

	"github.com/civitas-eu/civitas/internal/retrieve"
)

// Question is one line of the QA set (see shared/data/README.md).
type Question struct {
	ID         string `json:"id"`
	Lang       string `json:"lang"` // language of the question
	Type       string `json:"type"` // factual, cross-lingual, ocr, unanswerable
	Question   string `json:"question"`
	Answer     string `json:"answer"` // reference answer
	Answerable bool   `json:"answerable"`
	File       string `json:"file"`  // expected source, relative to docs/; "" when unanswerable
	Pages      []int  `json:"pages"` // 1-based pages holding the answer; none for formats without pages
	Quote      string `json:"quote"` // verbatim supporting passage
}

// ReadQuestions parses a QA set in JSON Lines form; blank lines are
// skipped.
func ReadQuestions(r io.Reader) ([]Question, error) {
	var out []Question
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var q Question
		if err := json.Unmarshal([]byte(text), &q); err != nil {
			return nil, fmt.Errorf("eval: QA set line %d: %w", line, err)
		}
		if q.ID == "" || q.Question == "" {
			return nil, fmt.Errorf("eval: QA set line %d: id and question are required", line)
		}
		if q.Answerable && q.File == "" {
			return nil, fmt.Errorf("eval: QA set line %d (%s): an answerable question needs a file", line, q.ID)
		}
		out = append(out, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("eval: read QA set: %w", err)
	}
	return out, nil
}

// LoadQuestions reads the QA set at path.
func LoadQuestions(path string) ([]Question, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	defer f.Close()
	return ReadQuestions(f)
}

// Hit reports whether passage p supports the answer to q: it comes from
// q.File (matched against the end of its source URI) and either contains
// q.Quote, both compared after Normalize, or, for paged documents, its page
// range covers one of q.Pages.
func Hit(q Question, p retrieve.Passage) bool {
	return hit(q, Normalize(q.Quote), p)
}

// hit is Hit with q.Quote already normalised, for callers that test one
// question against many passages.
func hit(q Question, quote string, p retrieve.Passage) bool {
	if q.File == "" || !sameFile(p.SourceURI, q.File) {
		return false
	}
	if p.PageStart > 0 {
		end := max(p.PageEnd, p.PageStart)
		for _, pg := range q.Pages {
			if pg >= p.PageStart && pg <= end {
				return true
			}
		}
	}
	return quote != "" && strings.Contains(Normalize(p.Text), quote)
}

// sameFile reports whether source (a path or URI) names file, a path
// relative to the documents folder, by its last path elements.
func sameFile(source, file string) bool {
	source = strings.ReplaceAll(source, `\`, "/")
	file = strings.TrimPrefix(strings.ReplaceAll(file, `\`, "/"), "./")
	return source == file || strings.HasSuffix(source, "/"+file)
}

// typographic maps characters that the documents and the quotes may write
// differently to one form: apostrophes, hyphens and dashes, quotation
// marks, and spaces that are not plain spaces.
var typographic = strings.NewReplacer(
	"\u2019", "'", "\u2018", "'", "\u02bc", "'", "\u00b4", "'",
	"\u2010", "-", "\u2011", "-", "\u2012", "-", "\u2013", "-", "\u2014", "-", "\u2212", "-",
	"\u00ab", `"`, "\u00bb", `"`, "\u201c", `"`, "\u201d", `"`, "\u201e", `"`, "\u2039", `"`, "\u203a", `"`,
	"\u00a0", " ", "\u202f", " ", "\u2007", " ", "\u2009", " ",
	"\u00ad", "", // soft hyphen
	"\ufb01", "fi", "\ufb02", "fl",
)

// Normalize prepares text for quote matching: typographic variants
// replaced (’‘ → ', ‐‑–— → -, « » “ ” „ → ", no-break spaces → space),
// case folded, and every run of white space made one space.
func Normalize(s string) string {
	s = strings.ToLower(typographic.Replace(s))
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}
