package insight

import (
	"embed"
	"html/template"
	"io"
)

//go:embed templates/transparency.html
var templateFiles embed.FS

// WriteHTML writes the record as a standalone HTML page to publish (no
// scripts, styles or outside references), every value escaped.
func (rec Record) WriteHTML(w io.Writer) error {
	t, err := template.New("transparency.html").Funcs(template.FuncMap{"fieldNames": FieldNames}).
		ParseFS(templateFiles, "templates/transparency.html")
	if err != nil {
		return err
	}
	return t.Execute(w, rec)
}
