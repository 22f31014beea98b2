package store_test

import (
	"context"
	"testing"

	"github.com/civitas-eu/civitas/internal/store"
)

// TestLexicalFindsCompoundByItsParts: a German document says
// "Bewohnerparkausweis", the question "Parkausweis für Bewohner". Before
// compounds were split, the chunk's only lexeme for the word was the whole
// compound, and nothing matched.
func TestLexicalFindsCompoundByItsParts(t *testing.T) {
	c := seed(t, 3, []seedDoc{
		{name: "parken", collection: "stadt", lang: "de", chunks: []string{
			"Der Bewohnerparkausweis wird beim Kreisverwaltungsreferat beantragt und kostet 30 Euro im Jahr.",
			"Die Öffnungszeiten des Bürgerbüros sind montags bis freitags.",
		}},
		{name: "hunde", collection: "stadt", lang: "de", chunks: []string{
			"Die Hundesteuer beträgt für den ersten Hund 96 Euro.",
		}},
	})
	tests := []struct {
		question string
		want     string
	}{
		{"Parkausweis für Bewohner", "parken#0"},
		{"Ausweis zum Parken", "parken#0"},
		// and the other way round: a question's compound finds its parts.
		{"Steuersatz für Hunde", "hunde#0"},
		{"Bewohnerhundesteuer", "hunde#0"},
	}
	for _, tt := range tests {
		t.Run(tt.question, func(t *testing.T) {
			got := c.keys(c.run(t, "lexical", store.RetrieveQuery{Text: tt.question, QuestionConfig: "german"}))
			if len(got) == 0 || got[0] != tt.want {
				t.Errorf("lexical %q = %v, want %s first", tt.question, got, tt.want)
			}
		})
	}
}

// TestCompoundPartsOnlyForGerman: an English document's long words are not
// cut, even into words the German vocabulary knows.
func TestCompoundPartsOnlyForGerman(t *testing.T) {
	c := seed(t, 3, []seedDoc{
		{name: "de", collection: "c", lang: "de", chunks: []string{"Der Park und der Ausweis."}},
		{name: "en", collection: "c", lang: "en", chunks: []string{"The parkausweis form."}},
	})
	var parts string
	if err := c.tx.QueryRow(context.Background(),
		"SELECT compound_parts FROM chunks WHERE id = $1", c.chunks["en#0"]).Scan(&parts); err != nil {
		t.Fatal(err)
	}
	if parts != "" {
		t.Errorf("English chunk has compound parts %q", parts)
	}
}
