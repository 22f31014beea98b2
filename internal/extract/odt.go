package extract

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"github.com/civitas-eu/civitas/internal/extract/sanitize"
)

// odtLoader extracts OpenDocument text files (LibreOffice, and the format
// several administrations mandate) by streaming content.xml.
type odtLoader struct{ opts Options }

func newODTLoader(opts Options) Loader { return odtLoader{opts: opts} }

func (l odtLoader) Load(ctx context.Context, name string, data []byte) (*Document, error) {
	zr, err := openZip(data)
	if err != nil {
		return nil, err
	}
	limit := inflateLimit(l.opts)
	if mf := findEntry(zr, "META-INF/manifest.xml"); mf != nil {
		// An encrypted ODF file keeps a readable manifest that lists the
		// encryption parameters of each scrambled part.
		if b, err := readEntry(ctx, mf, 4<<20); err == nil && bytes.Contains(b, []byte("encryption-data")) {
			return nil, fmt.Errorf("password-protected OpenDocument file: %w", ErrEncrypted)
		}
	}
	content := findEntry(zr, "content.xml")
	if content == nil {
		return nil, fmt.Errorf("no content.xml in the zip, not an OpenDocument file: %w", ErrCorrupt)
	}
	doc := &Document{}
	doc.Title, doc.Language = metaText(ctx, findEntry(zr, "meta.xml"))

	rc, err := openEntry(ctx, content, limit)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var p odtParser
	warning, err := p.parse(newXMLDecoder(rc), content.Name, limit)
	if err != nil {
		return nil, err
	}
	if warning != "" {
		doc.Warnings = append(doc.Warnings, warning)
	}
	doc.Blocks = p.blocks
	return doc, nil
}

// odtSkipped are elements whose text is not document content: comments,
// footnote numbers, deleted text kept for change tracking, drawing
// captions meant for screen readers, and the table of contents, which
// only repeats the headings.
var odtSkipped = map[string]bool{
	"annotation": true, "note-citation": true, "tracked-changes": true,
	"title": true, "desc": true, "table-of-content": true, "sequence-decls": true,
}

// odtPara is a paragraph or heading being read; footnote bodies and frames
// nest paragraphs inside paragraphs, hence a stack.
type odtPara struct {
	text  strings.Builder
	kind  BlockKind
	level int
}

type odtParser struct {
	blocks    []Block
	paras     []*odtPara
	skip      int
	listDepth int
	tblDepth  int
	row       []string
	cell      *strings.Builder
}

func (p *odtParser) parse(d *xml.Decoder, part string, limit int64) (warning string, err error) {
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
			if p.skip == 0 && len(p.paras) > 0 {
				p.paras[len(p.paras)-1].text.Write(t)
			}
		}
	}
}

func (p *odtParser) write(s string) {
	if len(p.paras) > 0 {
		p.paras[len(p.paras)-1].text.WriteString(s)
	}
}

func (p *odtParser) start(t xml.StartElement) {
	if p.skip > 0 || odtSkipped[t.Name.Local] {
		p.skip++
		return
	}
	switch t.Name.Local {
	case "h":
		level, err := strconv.Atoi(attr(t, "outline-level"))
		if err != nil || level < 1 {
			level = 1
		}
		p.paras = append(p.paras, &odtPara{kind: Heading, level: min(level, 6)})
	case "p":
		kind := Paragraph
		if p.listDepth > 0 {
			kind = ListItem
		}
		p.paras = append(p.paras, &odtPara{kind: kind})
	case "list-item", "list-header":
		p.listDepth++
	case "table":
		p.tblDepth++
	case "table-row":
		if p.tblDepth == 1 {
			p.row = p.row[:0]
		}
	case "table-cell":
		if p.tblDepth == 1 {
			p.cell = &strings.Builder{}
		}
	case "s":
		// text:s stands for c spaces; one is enough once sanitized.
		p.write(" ")
	case "tab":
		p.write("\t")
	case "line-break":
		p.write("\n")
	}
}

func (p *odtParser) end(t xml.EndElement) {
	if p.skip > 0 {
		p.skip--
		return
	}
	switch t.Name.Local {
	case "h", "p":
		if len(p.paras) == 0 {
			return
		}
		para := p.paras[len(p.paras)-1]
		p.paras = p.paras[:len(p.paras)-1]
		if p.cell != nil {
			if p.cell.Len() > 0 {
				p.cell.WriteByte(' ')
			}
			p.cell.WriteString(para.text.String())
			return
		}
		p.blocks = appendBlock(p.blocks, para.kind, para.level, para.text.String())
	case "list-item", "list-header":
		if p.listDepth > 0 {
			p.listDepth--
		}
	case "table-cell":
		if p.tblDepth == 1 && p.cell != nil {
			p.row = append(p.row, sanitize.Text(strings.ReplaceAll(p.cell.String(), "\n", " ")))
			p.cell = nil
		}
	case "table-row":
		if p.tblDepth == 1 {
			p.blocks = appendBlock(p.blocks, TableRow, 0, joinCells(p.row))
			p.row = p.row[:0]
		}
	case "table":
		if p.tblDepth > 0 {
			p.tblDepth--
		}
		if p.tblDepth == 0 {
			p.cell = nil
		}
	}
}
