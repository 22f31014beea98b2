package extract

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"

	"github.com/civitas-eu/civitas/internal/extract/sanitize"
)

// htmlLoader extracts the main content of an HTML page, leaving out the
// navigation, banners and scripts around it, which would otherwise end up
// in every chunk of a saved web page.
type htmlLoader struct{}

func newHTMLLoader(Options) Loader { return htmlLoader{} }

func (htmlLoader) Load(ctx context.Context, name string, data []byte) (*Document, error) {
	root, err := html.Parse(strings.NewReader(decodeHTML(data)))
	if err != nil {
		return nil, fmt.Errorf("parse HTML: %v: %w", err, ErrCorrupt)
	}
	doc := &Document{}
	var main, body *html.Node
	var articles []*html.Node
	for n := range root.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.DataAtom {
		case atom.Html:
			if doc.Language == "" {
				doc.Language = normLanguage(cmp.Or(getAttr(n, "lang"), getAttr(n, "xml:lang")))
			}
		case atom.Title:
			if doc.Title == "" && n.Namespace == "" { // not an <svg><title>
				doc.Title = sanitize.Text(strings.ReplaceAll(nodeText(n), "\n", " "))
			}
		case atom.Main:
			main = cmp.Or(main, n)
		case atom.Article:
			articles = append(articles, n)
		case atom.Body:
			body = cmp.Or(body, n)
		}
		if main == nil && getAttr(n, "role") == "main" {
			main = n
		}
	}
	// One <article> is the page's content; several are a listing, where
	// the body (minus navigation) is the better choice.
	content := cmp.Or(main, body, root)
	if main == nil && len(articles) == 1 {
		content = articles[0]
	}
	w := htmlWalker{ctx: ctx}
	w.flow(content, Paragraph, 0)
	w.flush(Paragraph)
	doc.Blocks = w.blocks
	return doc, nil
}

// decodeHTML returns the page as UTF-8. A byte order mark or a charset
// declared in the first 1024 bytes (<meta charset>, http-equiv) decides,
// as in browsers — except that UTF-8 and Windows-1252 declarations, often
// wrong on old servers, are checked against the bytes.
func decodeHTML(data []byte) string {
	head := data[:min(len(data), 1024)]
	if bytes.HasPrefix(head, bomUTF8) || bytes.HasPrefix(head, bomUTF16LE) || bytes.HasPrefix(head, bomUTF16BE) {
		s, _ := decodeText(data)
		return s
	}
	enc, name, _ := charset.DetermineEncoding(head, "")
	if !bytes.Contains(bytes.ToLower(head), []byte("charset")) || name == "utf-8" || name == "windows-1252" {
		s, _ := decodeText(data)
		return s
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		s, _ := decodeText(data)
		return s
	}
	return string(out)
}

// attrPresent returns the value of n's attribute key and whether n has it.
func attrPresent(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// getAttr returns the value of n's attribute key, "" if absent.
func getAttr(n *html.Node, key string) string {
	v, _ := attrPresent(n, key)
	return v
}

// htmlDropped are elements with no document text: code, navigation and
// page furniture, forms and embedded objects.
var htmlDropped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Nav: true, atom.Aside: true, atom.Form: true, atom.Svg: true,
	atom.Iframe: true, atom.Head: true, atom.Object: true, atom.Embed: true,
	atom.Canvas: true, atom.Select: true, atom.Button: true, atom.Textarea: true,
	atom.Audio: true, atom.Video: true, atom.Math: true, atom.Dialog: true,
}

// dropped reports whether n and its subtree are left out.
func dropped(n *html.Node) bool {
	if htmlDropped[n.DataAtom] || getAttr(n, "aria-hidden") == "true" || getAttr(n, "role") == "navigation" {
		return true
	}
	if _, hidden := attrPresent(n, "hidden"); hidden {
		return true
	}
	if n.DataAtom == atom.Header || n.DataAtom == atom.Footer {
		// The page banner and footer go; an article's own header (its
		// title, its date) is content. HTML draws the same line.
		for p := n.Parent; p != nil; p = p.Parent {
			switch p.DataAtom {
			case atom.Article, atom.Main, atom.Section:
				return false
			}
		}
		return true
	}
	return false
}

// htmlBlock are elements that end the running paragraph.
var htmlBlock = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Blockquote: true, atom.Body: true,
	atom.Caption: true, atom.Center: true, atom.Dd: true, atom.Details: true,
	atom.Div: true, atom.Dl: true, atom.Dt: true, atom.Fieldset: true,
	atom.Figcaption: true, atom.Figure: true, atom.Footer: true, atom.Header: true,
	atom.Hgroup: true, atom.Hr: true, atom.Html: true, atom.Legend: true,
	atom.Li: true, atom.Main: true, atom.Ol: true, atom.P: true, atom.Pre: true,
	atom.Section: true, atom.Summary: true, atom.Table: true, atom.Tbody: true,
	atom.Td: true, atom.Tfoot: true, atom.Th: true, atom.Thead: true, atom.Tr: true,
	atom.Ul: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true,
	atom.H5: true, atom.H6: true,
}

var headingLevel = map[atom.Atom]int{atom.H1: 1, atom.H2: 2, atom.H3: 3, atom.H4: 4, atom.H5: 5, atom.H6: 6}

// maxHTMLDepth bounds the recursion of htmlWalker; deeper subtrees (only
// hostile pages nest that far) are read flat by the iterative nodeText.
const maxHTMLDepth = 200

// htmlWalker collects blocks from a DOM subtree. Inline content (text,
// links, emphasis) accumulates into a running paragraph that block-level
// elements end, so <div>text<p>more</p>tail</div> gives three blocks.
type htmlWalker struct {
	ctx    context.Context
	blocks []Block
	inline strings.Builder
}

// flush ends the running paragraph as a block of the given kind.
func (w *htmlWalker) flush(kind BlockKind) {
	if w.inline.Len() > 0 {
		w.blocks = appendBlock(w.blocks, kind, 0, w.inline.String())
		w.inline.Reset()
	}
}

// flow walks the children of n; kind is what running text becomes (list
// items inside <li>, paragraphs elsewhere).
func (w *htmlWalker) flow(n *html.Node, kind BlockKind, depth int) {
	if w.ctx.Err() != nil {
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			w.inline.WriteString(collapseHTMLSpace(c.Data))
		case html.ElementNode:
			w.element(c, kind, depth+1)
		}
	}
}

func (w *htmlWalker) element(c *html.Node, kind BlockKind, depth int) {
	switch {
	case dropped(c):
		return
	case depth > maxHTMLDepth:
		w.inline.WriteString(strings.ReplaceAll(nodeText(c), "\n", " "))
		return
	case c.DataAtom == atom.Br:
		w.inline.WriteByte('\n')
		return
	case !htmlBlock[c.DataAtom]:
		w.flow(c, kind, depth) // inline element: its text joins the paragraph
		return
	}
	w.flush(kind)
	switch c.DataAtom {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		w.blocks = appendBlock(w.blocks, Heading, headingLevel[c.DataAtom], strings.ReplaceAll(nodeText(c), "\n", " "))
	case atom.Tr:
		w.row(c)
	case atom.Pre:
		w.blocks = appendBlock(w.blocks, kind, 0, nodeText(c))
	case atom.Li, atom.Dt, atom.Dd:
		w.flow(c, ListItem, depth)
		w.flush(ListItem)
	default:
		w.flow(c, kind, depth)
		w.flush(kind)
	}
}

// row makes a table row block of the cells' text.
func (w *htmlWalker) row(tr *html.Node) {
	var cells []string
	for c := tr.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (c.DataAtom == atom.Td || c.DataAtom == atom.Th) && !dropped(c) {
			cells = append(cells, sanitize.Text(strings.ReplaceAll(nodeText(c), "\n", " ")))
		}
	}
	w.blocks = appendBlock(w.blocks, TableRow, 0, joinCells(cells))
}

// nodeText returns the text under n, iteratively (no recursion on hostile
// nesting), with block boundaries and <br> as line breaks. Text inside
// <pre> keeps its own line breaks; elsewhere source whitespace collapses.
func nodeText(n *html.Node) string {
	var b strings.Builder
	type frame struct {
		n   *html.Node
		pre bool
	}
	stack := []frame{{n, n.DataAtom == atom.Pre}}
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch {
		case f.n == nil:
			b.WriteByte('\n') // end marker of a block element
			continue
		case f.n.Type == html.TextNode:
			if f.pre {
				b.WriteString(f.n.Data)
			} else {
				b.WriteString(collapseHTMLSpace(f.n.Data))
			}
			continue
		case f.n.Type != html.ElementNode && f.n.Type != html.DocumentNode:
			continue
		case f.n != n && dropped(f.n):
			continue
		case f.n.DataAtom == atom.Br:
			b.WriteByte('\n')
			continue
		}
		block := htmlBlock[f.n.DataAtom] && f.n != n
		if block {
			b.WriteByte('\n')
			stack = append(stack, frame{nil, false})
		}
		// Push children last to first so they pop in document order.
		pre := f.pre || f.n.DataAtom == atom.Pre
		for c := f.n.LastChild; c != nil; c = c.PrevSibling {
			stack = append(stack, frame{c, pre})
		}
	}
	return b.String()
}

// collapseHTMLSpace turns source formatting (newlines, tabs, indentation)
// into single spaces, as a browser renders it, keeping a space at either
// end so "foo <b>bar</b>" does not become "foobar".
func collapseHTMLSpace(s string) string {
	if s == "" {
		return ""
	}
	out := strings.Join(strings.FieldsFunc(s, isHTMLSpace), " ")
	if isHTMLSpace(rune(s[0])) {
		out = " " + out
	}
	if len(out) > 1 && isHTMLSpace(rune(s[len(s)-1])) {
		out += " "
	}
	return out
}

func isHTMLSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' }
