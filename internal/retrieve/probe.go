package retrieve

// probes are everyday sentences that no administrative document answers,
// per language: what each side of the search finds for them, at best, is
// what it finds for a question by chance (shared common words, a
// model's general sense of the language, hub chunks near everything).
// Candidates that do not beat that carry no evidence (fuse).
var probes = map[string][]string{
	"en": {
		"The cat slept on the warm windowsill all afternoon.",
		"My favourite song reminds me of summer holidays at the beach.",
		"He painted the old wooden boat bright blue.",
	},
	"de": {
		"Die Katze schlief den ganzen Nachmittag auf der warmen Fensterbank.",
		"Mein Lieblingslied erinnert mich an die Sommerferien am Strand.",
		"Er hat das alte Holzboot leuchtend blau gestrichen.",
	},
	"fr": {
		"Le chat a dormi tout l'après-midi sur le rebord chaud de la fenêtre.",
		"Ma chanson préférée me rappelle les vacances d'été à la plage.",
		"Il a peint le vieux bateau en bois d'un bleu éclatant.",
	},
}

// probesFor returns the probe sentences of language, or those of every
// language when it has none of its own (or is unknown).
func probesFor(language string) []string {
	if p, ok := probes[language]; ok {
		return p
	}
	var all []string
	for _, l := range []string{"en", "de", "fr"} {
		all = append(all, probes[l]...)
	}
	return all
}
