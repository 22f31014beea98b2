package extract

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

const docxNS = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"`

// testDOCXStyles declares heading styles the way Word does in several
// languages, a style based on a heading, and a bullet list style.
const testDOCXStyles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles ` + docxNS + `>
<w:docDefaults><w:rPrDefault><w:rPr><w:lang w:val="fr-FR" w:eastAsia="fr-FR"/></w:rPr></w:rPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Titre1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="berschrift2"><w:name w:val="heading 2"/></w:style>
<w:style w:type="paragraph" w:styleId="Sommaire"><w:name w:val="Sommaire"/><w:pPr><w:outlineLvl w:val="2"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Article"><w:name w:val="Article"/><w:basedOn w:val="Titre1"/></w:style>
<w:style w:type="paragraph" w:styleId="Puce"><w:name w:val="List Bullet"/><w:pPr><w:numPr><w:numId w:val="3"/></w:numPr></w:pPr></w:style>
</w:styles>`

// makeDOCX builds a Word file whose body is the given w:body content.
// extra entries replace the default parts of the same name; an extra entry
// with an empty body removes that part.
func makeDOCX(tb testing.TB, body string, extra ...zipEntry) []byte {
	tb.Helper()
	parts := []zipEntry{
		{"[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ` + docxNS + `><w:body>` + body + `</w:body></w:document>`},
		{"word/styles.xml", testDOCXStyles},
		{"docProps/core.xml", `<?xml version="1.0"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Règlement intérieur</dc:title></cp:coreProperties>`},
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
	var kept []zipEntry
	for _, p := range parts {
		if p.body != "" {
			kept = append(kept, p)
		}
	}
	return buildZip(tb, kept...)
}

// wp returns a paragraph with the given paragraph properties and text runs.
func wp(pPr string, runs ...string) string {
	var b strings.Builder
	b.WriteString("<w:p>")
	if pPr != "" {
		b.WriteString("<w:pPr>" + pPr + "</w:pPr>")
	}
	for _, r := range runs {
		b.WriteString(`<w:r><w:t xml:space="preserve">` + r + `</w:t></w:r>`)
	}
	b.WriteString("</w:p>")
	return b.String()
}

func loadDOCX(t *testing.T, data []byte) (*Document, error) {
	t.Helper()
	return newDOCXLoader(Options{MaxBytes: 10 << 20}).Load(context.Background(), "test.docx", data)
}

func TestDOCXLoader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		body  string
		extra []zipEntry
		want  string
		title string
		lang  string
	}{
		{
			name: "headings through styles in several languages",
			body: wp(`<w:pStyle w:val="Titre1"/>`, "Chapitre ", "premier") +
				wp(`<w:pStyle w:val="berschrift2"/>`, "Abschnitt") +
				wp(`<w:pStyle w:val="Sommaire"/>`, "Outline style") +
				wp(`<w:pStyle w:val="Article"/>`, "Based on a heading") +
				wp(`<w:outlineLvl w:val="3"/>`, "Direct outline level") +
				wp("", "Texte courant."),
			want:  "heading[1]: Chapitre premier\nheading[2]: Abschnitt\nheading[3]: Outline style\nheading[1]: Based on a heading\nheading[4]: Direct outline level\nparagraph: Texte courant.\n",
			title: "Règlement intérieur",
			lang:  "fr",
		},
		{
			name: "style ids without styles.xml",
			body: wp(`<w:pStyle w:val="Heading3"/>`, "Title three") + wp(`<w:pStyle w:val="Title"/>`, "Doc title"),
			extra: []zipEntry{{"word/styles.xml", ""}, {"docProps/core.xml", ""},
				{"word/settings.xml", `<w:settings ` + docxNS + `><w:themeFontLang w:val="de-DE"/></w:settings>`}},
			want: "heading[3]: Title three\nheading[1]: Doc title\n",
			lang: "de",
		},
		{
			name: "tabs, breaks and tab stops",
			body: `<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>` +
				`<w:r><w:t>a</w:t><w:tab/><w:t>b</w:t><w:br/><w:t>c</w:t><w:noBreakHyphen/><w:t>d</w:t></w:r>` +
				`<w:r><w:instrText> PAGE </w:instrText><w:delText>deleted</w:delText></w:r></w:p>`,
			want:  "paragraph: a\tb\nc-d\n",
			title: "Règlement intérieur",
			lang:  "fr",
		},
		{
			name: "list items by numbering and by style",
			body: wp(`<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>`, "first") +
				wp(`<w:pStyle w:val="Puce"/>`, "second") +
				wp(`<w:pStyle w:val="Puce"/><w:numPr><w:numId w:val="0"/></w:numPr>`, "numbering off"),
			want:  "list item: first\nlist item: second\nparagraph: numbering off\n",
			title: "Règlement intérieur",
			lang:  "fr",
		},
		{
			name: "table rows with a nested table",
			body: `<w:tbl><w:tr><w:tc>` + wp("", "Jour") + `</w:tc><w:tc>` + wp("", "Horaire") + `</w:tc></w:tr>` +
				`<w:tr><w:tc>` + wp("", "Lundi") + `</w:tc><w:tc>` + wp("", "8h30") + wp("", "à 12h") +
				`<w:tbl><w:tr><w:tc>` + wp("", "inner") + `</w:tc></w:tr></w:tbl></w:tc></w:tr>` +
				`<w:tr><w:tc>` + wp("") + `</w:tc></w:tr></w:tbl>` + wp("", "after"),
			want:  "table row: Jour | Horaire\ntable row: Lundi | 8h30 à 12h inner\nparagraph: after\n",
			title: "Règlement intérieur",
			lang:  "fr",
		},
		{
			name: "text box read once, not from its fallback copy",
			body: `<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent>` + wp("", "boxed") +
				`</w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent>` + wp("", "boxed") +
				`</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>outer</w:t></w:r></w:p>`,
			want:  "paragraph: boxed\nparagraph: outer\n",
			title: "Règlement intérieur",
			lang:  "fr",
		},
		{
			name:  "control characters and entities",
			body:  wp("", "caf&#233; &amp; th&#xE9;", "\u0007bell"),
			want:  "paragraph: café & thé bell\n",
			title: "Règlement intérieur",
			lang:  "fr",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := loadDOCX(t, makeDOCX(t, tt.body, tt.extra...))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := blockSummary(doc.Blocks); got != tt.want {
				t.Errorf("blocks:\n%s\nwant:\n%s", got, tt.want)
			}
			if doc.Title != tt.title || doc.Language != tt.lang {
				t.Errorf("title, language = %q, %q; want %q, %q", doc.Title, doc.Language, tt.title, tt.lang)
			}
		})
	}
}

func TestDOCXErrors(t *testing.T) {
	t.Parallel()
	ole := append(append([]byte{}, oleMagic...), make([]byte, 512)...)
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"password-protected", append(append([]byte{}, ole...), encryptedPackage...), ErrEncrypted},
		{"legacy .doc", ole, ErrUnsupported},
		{"not a zip", []byte("PK\x03\x04garbage"), ErrCorrupt},
		{"zip without a document", buildZip(t, zipEntry{"hello.txt", "hi"}), ErrCorrupt},
		{"unparseable document", makeDOCX(t, "", zipEntry{"word/document.xml", "<w:document><<<"}), ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := loadDOCX(t, tt.data); !errors.Is(err, tt.want) {
				t.Errorf("Load = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestDOCXTruncatedKeepsText(t *testing.T) {
	t.Parallel()
	broken := `<w:document ` + docxNS + `><w:body>` + wp("", "first part") + `<w:p><w:r><w:t>cut`
	doc, err := loadDOCX(t, makeDOCX(t, "", zipEntry{"word/document.xml", broken}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(doc.Blocks) != 1 || doc.Blocks[0].Text != "first part" || len(doc.Warnings) != 1 {
		t.Errorf("got blocks %q, warnings %q; want the first paragraph and one warning", blockSummary(doc.Blocks), doc.Warnings)
	}
}

// TestDOCXZipBomb checks that a tiny file inflating to far more than the
// limit allows is refused after reading a bounded amount.
func TestDOCXZipBomb(t *testing.T) {
	t.Parallel()
	const maxBytes = 64 << 10 // inflate limit 3.2 MB
	para := wp("", strings.Repeat("x", 1000))
	body := strings.Repeat(para, 5_000) // about 5 MB of XML
	data := makeDOCX(t, body)
	if len(data) > maxBytes {
		t.Fatalf("fixture is %d bytes, want it under the %d-byte limit", len(data), maxBytes)
	}
	start := time.Now()
	_, err := Guard(context.Background(), "bomb.docx", Options{MaxBytes: maxBytes, Timeout: 30 * time.Second}, newDOCXLoader(Options{MaxBytes: maxBytes}), data)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Guard = %v, want ErrTooLarge", err)
	}
	if !strings.Contains(err.Error(), "zip bomb") {
		t.Errorf("error %q does not explain the refusal", err)
	}
	t.Logf("refused in %v: %v", time.Since(start), err)
}

func TestSharedDOCX(t *testing.T) {
	t.Parallel()
	dir := testDataDir(t)
	tests := []struct {
		file  string
		words []string
		title string
	}{
		{"docs/fr_montpellier_frequentation_education.docx", []string{"Calendrier de fréquentation", "Service Education", "Lundi | Mardi"}, "Calendrier de fréquentation"},
		{"docs/fr_montpellier_frequentation_etat_civil.docx", []string{"Service Etat Civil", "de 08h30 à 09h00", "Service fermé"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			doc, err := File(context.Background(), dir+"/"+tt.file, DefaultOptions())
			if err != nil {
				t.Fatalf("File: %v", err)
			}
			text := blockSummary(doc.Blocks)
			if testing.Verbose() {
				t.Logf("title %q, %d blocks:\n%s", doc.Title, len(doc.Blocks), text)
			}
			for _, w := range tt.words {
				if !strings.Contains(text, w) {
					t.Errorf("text lacks %q:\n%s", w, text)
				}
			}
			if doc.Title != tt.title || doc.Language != "fr" || doc.MediaType != MediaDOCX {
				t.Errorf("title, language, media type = %q, %q, %q", doc.Title, doc.Language, doc.MediaType)
			}
			if n := strings.Count(text, "La Ville vous informe"); n != 1 {
				t.Errorf("text box paragraph found %d times, want once", n)
			}
			if bytes.Contains([]byte(text), []byte{0}) {
				t.Error("text contains NUL")
			}
		})
	}
}
