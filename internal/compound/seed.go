package compound

import "strings"

// seedWords are frequent parts of the compounds of municipal German,
// written for this project (no third-party word list). They let a corpus
// that holds a compound but never its parts alone still be split — a
// one-document collection with "Bewohnerparkausweis" — and they are the
// only way short parts ("amt", "rat") are known, since the corpus
// vocabulary keeps no word shorter than four letters.
var seedWords = strings.Fields(`
	abfall abgabe amt angelegenheit anlage antrag anwohner arbeit art aufgabe
	ausschuss ausweis bau bauen beitrag bescheid betrieb bewohner bezirk bildung
	bürger bund dienst eltern energie entwicklung erlaubnis fahrzeug familie
	feuer feuerwehr fläche förderung frage frist garten gebiet gebühr gebäude
	gemeinde genehmigung gericht gesetz gewerbe grund grundstück haushalt haus
	hilfe hund jugend kind kinder kosten kreis land leistung mittel miete müll
	nutzung ordnung ort park parken plan platz polizei rat raum recht regel
	schnee schule schutz sitzung sozial stadt stelle steuer straße tag teil
	umwelt unterricht verkehr verwaltung versammlung vertrag wahl wasser weg
	wohnung zeit zuschuss satz satzung sicherheit bericht beschluss
	`)

// WithSeed returns known, with the built-in seed words counted as known
// once when known does not know them.
func WithSeed(known Known) Known {
	seed := make(map[string]bool, len(seedWords))
	for _, w := range seedWords {
		seed[w] = true
	}
	return func(w string) int {
		if f := known(w); f > 0 {
			return f
		}
		if seed[w] {
			return 1
		}
		return 0
	}
}
