package compound_test

import (
	"slices"
	"testing"

	"github.com/civitas-eu/civitas/internal/compound"
)

// vocab is a toy corpus vocabulary: word -> number of documents.
func vocab(words map[string]int) compound.Known {
	return func(w string) int { return words[w] }
}

func TestSplit(t *testing.T) {
	known := vocab(map[string]int{
		"bewohner": 3, "parkausweis": 2, "park": 5, "ausweis": 4,
		"hund": 2, "hunde": 1, "steuer": 9, "teuer": 1, "satzung": 6, "steuersatzung": 1,
		"gebühr": 3, "gebühren": 4, "ordnung": 5, "arbeit": 4, "amt": 6, "samt": 1,
		"schnee": 2, "räumung": 1, "pflicht": 3,
	})
	tests := []struct {
		word string
		want []string
	}{
		{"Bewohnerparkausweis", []string{"bewohner", "parkausweis"}},
		{"Parkausweis", []string{"park", "ausweis"}},
		{"Hundesteuer", []string{"hunde", "steuer"}},               // steuer is far commoner than teuer
		{"Hundesteuersatzung", []string{"hunde", "steuersatzung"}}, // fewest parts first
		{"Gebührenordnung", []string{"gebühren", "ordnung"}},
		{"Arbeitsamt", []string{"arbeit", "amt"}}, // Fugen-s: amt (6) beats samt (1)
		{"Schneeräumungspflicht", []string{"schnee", "räumung", "pflicht"}},
		{"Ausweis", nil},       // a word of its own, no parts
		{"Verwaltung", nil},    // no known parts
		{"Park", nil},          // too short to be a compound
		{"KI-Verordnung", nil}, // not letters only: PostgreSQL's parser splits hyphens
		{"Parkausweise", nil},  // an inflection is no linking element: ausweise unknown
		{"parkenausweis", []string{"park", "ausweis"}}, // Fugen-en
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			if got := compound.Split(tt.word, known); !slices.Equal(got, tt.want) {
				t.Errorf("Split(%q) = %q, want %q", tt.word, got, tt.want)
			}
		})
	}
}

func TestParts(t *testing.T) {
	known := vocab(map[string]int{"bewohner": 1, "park": 1, "ausweis": 1, "hund": 1, "steuer": 1, "satzung": 1})
	tests := []struct {
		word string
		want []string
	}{
		// parkausweis is not known, yet found as a part whose own parts are.
		{"Bewohnerparkausweis", []string{"bewohner", "park", "ausweis"}},
		{"Hundesteuersatzung", []string{"hund", "steuer", "satzung"}},
		{"Bewohner", nil},
	}
	for _, tt := range tests {
		if got := compound.Parts(tt.word, known); !slices.Equal(got, tt.want) {
			t.Errorf("Parts(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
	// With parkausweis known, both levels are parts.
	known = vocab(map[string]int{"bewohner": 1, "parkausweis": 1, "park": 1, "ausweis": 1})
	want := []string{"bewohner", "parkausweis", "park", "ausweis"}
	if got := compound.Parts("Bewohnerparkausweis", known); !slices.Equal(got, want) {
		t.Errorf("Parts = %q, want %q", got, want)
	}
}

func TestSeedSplitsWithoutCorpus(t *testing.T) {
	known := compound.WithSeed(vocab(nil))
	tests := []struct {
		word string
		want []string
	}{
		{"Bewohnerparkausweis", []string{"bewohner", "park", "ausweis"}},
		{"Gemeinderat", []string{"gemeinde", "rat"}},
		{"Hundesteuersatzung", []string{"hund", "steuer", "satzung"}},
	}
	for _, tt := range tests {
		if got := compound.Parts(tt.word, known); !slices.Equal(got, tt.want) {
			t.Errorf("Parts(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

func TestCandidatesCoverEveryPart(t *testing.T) {
	cands := compound.Candidates("Bewohnerparkausweis")
	for _, p := range []string{"bewohner", "parkausweis", "park", "ausweis", "bewohnerpark"} {
		if !slices.Contains(cands, p) {
			t.Errorf("Candidates lack %q", p)
		}
	}
	if slices.Contains(cands, "bewohnerparkausweis") {
		t.Error("Candidates hold the whole word")
	}
	if got := compound.Candidates("Park"); got != nil {
		t.Errorf("Candidates(Park) = %q, want none", got)
	}
}

func TestWords(t *testing.T) {
	got := compound.Words("Der Bewohnerparkausweis (§ 3) kostet 30 €; der Ausweis-Antrag.")
	want := []string{"der", "bewohnerparkausweis", "kostet", "ausweis", "antrag"}
	if !slices.Equal(got, want) {
		t.Errorf("Words = %q, want %q", got, want)
	}
}
