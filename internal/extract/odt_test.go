package extract

import (
	"context"
	"errors"
	"strings"
	"testing"
)

const odtNS = `xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/"`

// makeODT builds an OpenDocument text file whose office:text holds body.
// extra entries replace default parts of the same name or are added.
func makeODT(tb testing.TB, body string, extra ...zipEntry) []byte {
	tb.Helper()
	parts := []zipEntry{
		{"mimetype", MediaODT},
		{"content.xml", `<?xml version="1.0" encoding="UTF-8"?><office:document-content ` + odtNS + `><office:body><office:text>` + body + `</office:text></office:body></office:document-content>`},
		{"meta.xml", `<?xml version="1.0" encoding="UTF-8"?><office:document-meta ` + odtNS + `><office:meta><dc:title>Compte rendu</dc:title><dc:language>fr-BE</dc:language></office:meta></office:document-meta>`},
		{"META-INF/manifest.xml", `<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>`},
	}
	for _, e := range extra {
		replaced := false
		for i := range parts {
			if parts[i].name == e.name {
				parts[i], replaced = e, true
			}
		}
		if !replaced {
			parts = append(parts, e)
		}
	}
	return buildZip(tb, parts...)
}

func TestODTLoader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want string
	}{
		{
			name: "headings with outline levels and paragraphs",
			body: `<text:h text:outline-level="1">Ordre du jour</text:h><text:h text:outline-level="3">Point 1</text:h><text:h>No level</text:h>` +
				`<text:p>Le conseil<text:s text:c="4"/>délibère.</text:p>`,
			want: "heading[1]: Ordre du jour\nheading[3]: Point 1\nheading[1]: No level\nparagraph: Le conseil délibère.\n",
		},
		{
			name: "spaces, tabs and line breaks",
			body: `<text:p>a<text:tab/>b<text:line-break/>c<text:span>d</text:span><text:a>e</text:a></text:p>`,
			want: "paragraph: a\tb\ncde\n",
		},
		{
			name: "nested lists",
			body: `<text:list><text:list-item><text:p>un</text:p><text:list><text:list-item><text:p>deux</text:p></text:list-item></text:list></text:list-item></text:list><text:p>fin</text:p>`,
			want: "list item: un\nlist item: deux\nparagraph: fin\n",
		},
		{
			name: "table rows",
			body: `<table:table><table:table-row><table:table-cell><text:p>Nom</text:p></table:table-cell><table:table-cell><text:p>Montant</text:p></table:table-cell></table:table-row>` +
				`<table:table-row><table:table-cell><text:p>Association</text:p><text:p>locale</text:p></table:table-cell><table:covered-table-cell/><table:table-cell><text:p>1 500 €</text:p></table:table-cell><table:table-cell table:number-columns-repeated="1000"/></table:table-row>` +
				`<table:table-row><table:table-cell/></table:table-row></table:table>`,
			want: "table row: Nom | Montant\ntable row: Association locale | 1 500 €\n",
		},
		{
			name: "footnotes, comments and captions",
			body: `<text:p>Texte<text:note><text:note-citation>1</text:note-citation><text:note-body><text:p>La note.</text:p></text:note-body></text:note> suite` +
				`<office:annotation><text:p>commentaire</text:p></office:annotation></text:p>` +
				`<draw:frame><svg:title>alt</svg:title><draw:text-box><text:p>Encadré</text:p></draw:text-box></draw:frame>`,
			want: "paragraph: La note.\nparagraph: Texte suite\nparagraph: Encadré\n",
		},
		{
			name: "tracked deletions and table of contents left out",
			body: `<text:tracked-changes><text:changed-region><text:deletion><text:p>effacé</text:p></text:deletion></text:changed-region></text:tracked-changes>` +
				`<text:table-of-content><text:index-body><text:p>Ordre du jour ... 1</text:p></text:index-body></text:table-of-content><text:p>corps</text:p>`,
			want: "paragraph: corps\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := newODTLoader(DefaultOptions()).Load(context.Background(), "t.odt", makeODT(t, tt.body))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := blockSummary(doc.Blocks); got != tt.want {
				t.Errorf("blocks:\n%s\nwant:\n%s", got, tt.want)
			}
			if doc.Title != "Compte rendu" || doc.Language != "fr" {
				t.Errorf("title, language = %q, %q; want \"Compte rendu\", \"fr\"", doc.Title, doc.Language)
			}
		})
	}
}

func TestODTErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"encrypted", makeODT(t, "", zipEntry{"META-INF/manifest.xml", `<manifest:manifest><manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data/></manifest:file-entry></manifest:manifest>`}), ErrEncrypted},
		{"no content.xml", buildZip(t, zipEntry{"mimetype", MediaODT}), ErrCorrupt},
		{"broken content.xml", makeODT(t, "", zipEntry{"content.xml", "<<<"}), ErrCorrupt},
		{"not a zip", []byte("nope"), ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := newODTLoader(DefaultOptions()).Load(context.Background(), "t.odt", tt.data); !errors.Is(err, tt.want) {
				t.Errorf("Load = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestODTZipBomb(t *testing.T) {
	t.Parallel()
	const maxBytes = 32 << 10
	data := makeODT(t, strings.Repeat("<text:p>"+strings.Repeat("y", 500)+"</text:p>", 5_000))
	_, err := newODTLoader(Options{MaxBytes: maxBytes}).Load(context.Background(), "bomb.odt", data)
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("Load = %v, want ErrTooLarge", err)
	}
}
