package extract

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/civitas-eu/civitas/internal/extract/sanitize"
)

// docxLoader extracts Word (OOXML) documents: the main document part is
// streamed token by token, so memory follows the text, not the XML.
type docxLoader struct{ opts Options }

func newDOCXLoader(opts Options) Loader { return docxLoader{opts: opts} }

func (l docxLoader) Load(ctx context.Context, name string, data []byte) (*Document, error) {
	if bytes.HasPrefix(data, oleMagic) {
		// Word saves a password-protected DOCX as an OLE container whose
		// EncryptedPackage stream holds the encrypted zip.
		if bytes.Contains(data, encryptedPackage) {
			return nil, fmt.Errorf("password-protected Office file: %w", ErrEncrypted)
		}
		return nil, fmt.Errorf("legacy Word .doc (OLE) file, save it as .docx: %w", ErrUnsupported)
	}
	zr, err := openZip(data)
	if err != nil {
		return nil, err
	}
	limit := inflateLimit(l.opts)
	main := findEntry(zr, docxMainPart(ctx, zr))
	if main == nil {
		main = findEntry(zr, "word/document.xml") // content types lied
	}
	if main == nil {
		return nil, fmt.Errorf("no word/document.xml in the zip, not a Word document: %w", ErrCorrupt)
	}
	styles := readDOCXStyles(ctx, findEntry(zr, path.Join(path.Dir(main.Name), "styles.xml")))

	doc := &Document{}
	doc.Title, doc.Language = metaText(ctx, findEntry(zr, "docProps/core.xml"))
	if doc.Language == "" {
		doc.Language = styles.lang
	}
	if doc.Language == "" {
		doc.Language = normLanguage(firstAttr(ctx, findEntry(zr, path.Join(path.Dir(main.Name), "settings.xml")), "themeFontLang", "val"))
	}

	rc, err := openEntry(ctx, main, limit)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	p := docxParser{styles: styles}
	warning, err := p.parse(newXMLDecoder(rc), main.Name, limit)
	if err != nil {
		return nil, err
	}
	if warning != "" {
		doc.Warnings = append(doc.Warnings, warning)
	}
	doc.Blocks = p.blocks
	return doc, nil
}

// docxMainPart names the main document part from [Content_Types].xml;
// nearly always word/document.xml, but the package format allows others.
func docxMainPart(ctx context.Context, zr *zip.Reader) string {
	const fallback = "word/document.xml"
	f := findEntry(zr, "[Content_Types].xml")
	if f == nil {
		return fallback
	}
	b, err := readEntry(ctx, f, 1<<20)
	if err != nil {
		return fallback
	}
	d := newXMLDecoder(bytes.NewReader(b))
	for {
		tok, err := d.Token()
		if err != nil {
			return fallback
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "Override" && strings.HasSuffix(attr(se, "ContentType"), ".main+xml") {
			ct := attr(se, "ContentType")
			if strings.Contains(ct, "wordprocessingml") || strings.Contains(ct, "ms-word") {
				if part := strings.TrimPrefix(attr(se, "PartName"), "/"); part != "" {
					return part
				}
			}
		}
	}
}

// docxStyle is what matters of a paragraph style: whether it makes a
// heading (and of which level) or a list item.
type docxStyle struct {
	name, basedOn string
	outline       int // w:outlineLvl + 1, 0 when unset
	list          bool
}

type docxStyles struct {
	byID map[string]docxStyle
	lang string // ISO 639-1 from the document defaults
}

// headingName matches heading style names and ids in the languages Word
// writes them: "heading 1", "Heading1", "Titre1", "berschrift1" (the id
// Word derives from "Überschrift 1" drops the non-ASCII letter).
var headingName = regexp.MustCompile(`^(?i:heading|titre|.?berschrift|kop|titolo|encabezado|t[ií]tulo|nag[łl][óo]wek|rubrik)\s*([1-9])$`)

// readDOCXStyles parses word/styles.xml; a missing or broken styles part
// only costs the heading levels, so errors are ignored.
func readDOCXStyles(ctx context.Context, f *zip.File) docxStyles {
	s := docxStyles{byID: map[string]docxStyle{}}
	if f == nil {
		return s
	}
	b, err := readEntry(ctx, f, 16<<20)
	if err != nil {
		return s
	}
	d := newXMLDecoder(bytes.NewReader(b))
	var id string
	var cur docxStyle
	inDefaults := false
	for {
		tok, err := d.Token()
		if err != nil {
			return s
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "docDefaults":
				inDefaults = true
			case "lang":
				if inDefaults && s.lang == "" {
					s.lang = normLanguage(attr(t, "val"))
				}
			case "style":
				id, cur = attr(t, "styleId"), docxStyle{}
			case "name":
				cur.name = attr(t, "val")
			case "basedOn":
				cur.basedOn = attr(t, "val")
			case "outlineLvl":
				cur.outline = outlineLevel(attr(t, "val"))
			case "numPr":
				cur.list = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "docDefaults":
				inDefaults = false
			case "style":
				if id != "" {
					s.byID[id] = cur
				}
				id = ""
			}
		}
	}
}

// outlineLevel maps w:outlineLvl (0-based, 9 = body text) to a heading
// level, 0 for none.
func outlineLevel(val string) int {
	n, err := strconv.Atoi(val)
	if err != nil || n < 0 || n > 8 {
		return 0
	}
	return min(n+1, 6)
}

// heading returns the heading level a paragraph style gives, 0 for none,
// following basedOn links a bounded number of steps (they may loop).
func (s docxStyles) heading(id string) int {
	for range 10 {
		if id == "" {
			return 0
		}
		st, ok := s.byID[id]
		if m := headingName.FindStringSubmatch(st.name); m != nil {
			return int(m[1][0] - '0')
		}
		if m := headingName.FindStringSubmatch(id); m != nil {
			return int(m[1][0] - '0')
		}
		if strings.EqualFold(st.name, "title") || strings.EqualFold(st.name, "titre") || strings.EqualFold(id, "Title") {
			return 1
		}
		if st.outline > 0 {
			return st.outline
		}
		if !ok {
			return 0
		}
		id = st.basedOn
	}
	return 0
}

// isList reports whether a paragraph style numbers or bullets its paragraphs.
func (s docxStyles) isList(id string) bool {
	st, ok := s.byID[id]
	return ok && (st.list || strings.HasPrefix(strings.ToLower(st.name), "list bullet") || strings.HasPrefix(strings.ToLower(st.name), "list number"))
}

// docxPara is a paragraph being read; paragraphs nest (text boxes hold
// paragraphs inside a paragraph's run), hence a stack of them.
type docxPara struct {
	text    strings.Builder
	style   string
	outline int
	list    bool
	listOff bool // numId 0: numbering switched off, whatever the style says
	inPPr   bool
}

// docxParser turns the token stream of word/document.xml into blocks.
type docxParser struct {
	styles   docxStyles
	blocks   []Block
	paras    []*docxPara
	inText   bool
	skip     int // depth inside a subtree whose text is not content
	tblDepth int
	row      []string
	cell     *strings.Builder
}

func (p *docxParser) parse(d *xml.Decoder, part string, limit int64) (warning string, err error) {
	for {
		tok, err := d.Token()
		if err != nil {
			return xmlFailure(part, err, limit, len(p.blocks))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			p.start(t)
		case xml.EndElement:
			p.end(t)
		case xml.CharData:
			if p.inText && p.skip == 0 && len(p.paras) > 0 {
				p.top().text.Write(t)
			}
		}
	}
}

func (p *docxParser) top() *docxPara { return p.paras[len(p.paras)-1] }

func (p *docxParser) start(t xml.StartElement) {
	if p.skip > 0 {
		p.skip++
		return
	}
	var para *docxPara
	if len(p.paras) > 0 {
		para = p.top()
	}
	inRun := para != nil && !para.inPPr
	switch t.Name.Local {
	case "Fallback":
		// mc:AlternateContent repeats text boxes for old Word versions;
		// reading both would double their text.
		p.skip = 1
	case "tbl":
		p.tblDepth++
	case "tr":
		if p.tblDepth == 1 {
			p.row = p.row[:0]
		}
	case "tc":
		if p.tblDepth == 1 {
			p.cell = &strings.Builder{}
		}
	case "p":
		p.paras = append(p.paras, &docxPara{})
	case "pPr":
		if para != nil {
			para.inPPr = true
		}
	case "pStyle":
		if para != nil && para.inPPr {
			para.style = attr(t, "val")
		}
	case "numPr":
		if para != nil && para.inPPr {
			para.list = true
		}
	case "numId":
		// numId 0 switches off numbering a style would give.
		if para != nil && para.inPPr && attr(t, "val") == "0" {
			para.list, para.listOff = false, true
		}
	case "outlineLvl":
		if para != nil && para.inPPr {
			para.outline = outlineLevel(attr(t, "val"))
		}
	case "t":
		p.inText = inRun
	case "tab", "ptab":
		if inRun {
			para.text.WriteByte('\t')
		}
	case "br", "cr":
		if inRun {
			para.text.WriteByte('\n')
		}
	case "noBreakHyphen":
		if inRun {
			para.text.WriteByte('-')
		}
	}
}

func (p *docxParser) end(t xml.EndElement) {
	if p.skip > 0 {
		p.skip--
		return
	}
	switch t.Name.Local {
	case "t":
		p.inText = false
	case "pPr":
		if len(p.paras) > 0 {
			p.top().inPPr = false
		}
	case "p":
		if len(p.paras) == 0 {
			return
		}
		para := p.top()
		p.paras = p.paras[:len(p.paras)-1]
		p.endPara(para)
	case "tc":
		if p.tblDepth == 1 && p.cell != nil {
			p.row = append(p.row, sanitize.Text(strings.ReplaceAll(p.cell.String(), "\n", " ")))
			p.cell = nil
		}
	case "tr":
		if p.tblDepth == 1 {
			p.blocks = appendBlock(p.blocks, TableRow, 0, joinCells(p.row))
			p.row = p.row[:0]
		}
	case "tbl":
		if p.tblDepth > 0 {
			p.tblDepth--
		}
		if p.tblDepth == 0 {
			p.cell = nil
		}
	}
}

// endPara files a finished paragraph: into the current table cell, or as
// a heading, list item or paragraph block.
func (p *docxParser) endPara(para *docxPara) {
	text := para.text.String()
	if p.cell != nil {
		if p.cell.Len() > 0 {
			p.cell.WriteByte(' ')
		}
		p.cell.WriteString(text)
		return
	}
	level := para.outline
	if level == 0 {
		level = p.styles.heading(para.style)
	}
	switch {
	case level > 0:
		p.blocks = appendBlock(p.blocks, Heading, level, text)
	case para.list || (!para.listOff && p.styles.isList(para.style)):
		p.blocks = appendBlock(p.blocks, ListItem, 0, text)
	default:
		p.blocks = appendBlock(p.blocks, Paragraph, 0, text)
	}
}
