package eval_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/eval"
	"github.com/civitas-eu/civitas/internal/retrieve"
	"github.com/civitas-eu/civitas/internal/sharedtest"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Les structures bénéficiaires d\u2019une subvention", "les structures bénéficiaires d'une subvention"},
		{"l\u2018année", "l'année"},
		{"Bürger\u2010innen und Stadt\u2011rat \u2013 Sendling \u2014 6", "bürger-innen und stadt-rat - sendling - 6"},
		{"\u00ab\u00a0modèle 160\u00a0\u00bb", `" modèle 160 "`},
		{"\u201eVortragsteam\u201c und \u201cdas\u201d", `"vortragsteam" und "das"`},
		{"318,00\u00a0€", "318,00 €"},
		{"  Es wird ein\n\tZuschuss   in Höhe  ", "es wird ein zuschuss in höhe"},
		{"Stra\u00adßen\u00adreinigung", "straßenreinigung"},
		{"\ufb01nal", "final"},
		{"UPPER Case ÄÖÜ", "upper case äöü"},
	}
	for _, tt := range tests {
		if got := eval.Normalize(tt.in); got != tt.want {
			t.Errorf("eval.Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHit(t *testing.T) {
	t.Parallel()
	pdf := eval.Question{ID: "fr-09", File: "fr_montpellier_deliberation_subventions_2014.pdf", Pages: []int{3, 7},
		Quote: "Les structures bénéficiaires d\u2019une subvention supérieure à 3 000 € s\u2019engageront"}
	md := eval.Question{ID: "de-21", File: "de_badboll_Hundesteuersatzung.md",
		Quote: "Die Steuer beträgt im Kalenderjahr für jeden Hund 165,00 €."}
	scan := eval.Question{ID: "ocr-1", File: "scanned/de_muenchen_Buergerversammlung_scan_2.pdf", Pages: []int{1}, Quote: "Antrag"}
	const dir = "/srv/civitas/docs/"
	tests := []struct {
		name string
		q    eval.Question
		p    retrieve.Passage
		want bool
	}{
		{"quote with straight apostrophes, other page", pdf, retrieve.Passage{SourceURI: dir + pdf.File, PageStart: 9, PageEnd: 9,
			Text: "…\nLes structures\u00a0bénéficiaires d'une subvention\nsupérieure à 3\u00a0000 € s'engageront sur la base…"}, true},
		{"page range covers an expected page", pdf, retrieve.Passage{SourceURI: dir + pdf.File, PageStart: 6, PageEnd: 8, Text: "Tableau"}, true},
		{"single page equal", pdf, retrieve.Passage{SourceURI: dir + pdf.File, PageStart: 3, Text: "x"}, true},
		{"page range misses", pdf, retrieve.Passage{SourceURI: dir + pdf.File, PageStart: 4, PageEnd: 6, Text: "Tableau"}, false},
		{"other file with the quote", pdf, retrieve.Passage{SourceURI: dir + "other.pdf", PageStart: 3, PageEnd: 3,
			Text: "Les structures bénéficiaires d'une subvention supérieure à 3 000 € s'engageront"}, false},
		{"file name only as a suffix of another name", pdf, retrieve.Passage{SourceURI: dir + "x" + pdf.File, PageStart: 3}, false},
		{"file URI", pdf, retrieve.Passage{SourceURI: "file://" + dir + pdf.File, PageStart: 7, PageEnd: 7}, true},
		{"markdown quote, case and spacing differ", md, retrieve.Passage{SourceURI: dir + md.File,
			Text: "§ 5 Steuersatz\n(1) DIE STEUER beträgt im  Kalenderjahr für jeden Hund 165,00\u00a0€. Für das Halten …"}, true},
		{"markdown quote cut off", md, retrieve.Passage{SourceURI: dir + md.File, Text: "Die Steuer beträgt im Kalenderjahr für jeden"}, false},
		{"subfolder file", scan, retrieve.Passage{SourceURI: dir + scan.File, PageStart: 1, PageEnd: 2}, true},
		{"same name outside the subfolder", scan, retrieve.Passage{SourceURI: dir + "de_muenchen_Buergerversammlung_scan_2.pdf", PageStart: 1}, false},
		{"windows path", md, retrieve.Passage{SourceURI: `C:\docs\de_badboll_Hundesteuersatzung.md`, Text: md.Quote}, true},
		{"unanswerable question", eval.Question{ID: "neg-01"}, retrieve.Passage{SourceURI: dir + pdf.File, PageStart: 1, Text: "x"}, false},
	}
	for _, tt := range tests {
		if got := eval.Hit(tt.q, tt.p); got != tt.want {
			t.Errorf("%s: Hit = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestLoadQuestionsSharedSet(t *testing.T) {
	t.Parallel()
	qs, err := eval.LoadQuestions(filepath.Join(sharedtest.DataDir(t), "qa", "qa.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	answerable := 0
	for _, q := range qs {
		if !q.Answerable {
			continue
		}
		answerable++
		if q.Quote == "" || q.Type == "" || q.Lang == "" {
			t.Errorf("%s: incomplete: %+v", q.ID, q)
		}
		// A passage that is the quote itself, from the file, is a hit.
		if !eval.Hit(q, retrieve.Passage{SourceURI: "/data/docs/" + q.File, Text: q.Quote}) {
			t.Errorf("%s: its own quote is not a hit", q.ID)
		}
	}
	if len(qs) != 40 || answerable != 34 {
		t.Errorf("%d questions, %d answerable; the README says 40, of which 6 unanswerable", len(qs), answerable)
	}
}

func TestReadQuestionsErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		`{"id": "x", "question": "?", "answerable": true`,
		`{"id": "", "question": "?"}`,
		`{"id": "x", "question": "?", "answerable": true}`,
	} {
		if _, err := eval.ReadQuestions(strings.NewReader("\n" + in + "\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("eval.ReadQuestions(%q): error %v, want one naming line 2", in, err)
		}
	}
}
