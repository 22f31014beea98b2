package lang

import (
	"maps"
	"slices"
	"strings"
)

// profile is what Detect knows about one language: its most frequent
// function words and the letters or word endings that hint at it.
//
// Function words are the strongest cheap signal: they make up 30–50 % of
// running text in every language here except Finnish, whose case endings
// replace most prepositions and articles, so Finnish also gets suffix hints.
// The lists are written as they come out of tokenize: lower case, split at
// apostrophes ("l'article" gives "l" and "article", "dell'anno" "dell").
type profile struct {
	code      string // ISO 639-1
	tsconfig  string // PostgreSQL text search configuration
	tesseract string // tesseract traineddata name
	words     string // space-separated function words
	letters   string // letters typical of the language's orthography
	suffixes  string // space-separated word endings typical of the language
	digraphs  string // space-separated letter pairs typical of the language
	// foreign are letters the language's own words (almost) never use;
	// each one counts against it. Finnish needs this: its hints (ä, y,
	// double letters) also turn up in Polish, Swedish or English text,
	// while b, c, f, w, x, z are rare in Finnish and common in those.
	foreign string
}

// profiles is a read-only table; the order is the tie-break order.
var profiles = []profile{
	{
		code: "de", tsconfig: "german", tesseract: "deu",
		words: "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch " +
			"es an werden aus er hat dass daß sie nach wird bei einer um am sind noch wie einem über einen " +
			"so zum war haben nur oder aber vor zur bis mehr durch man sein wurde sei kann gegen vom " +
			"können schon wenn seine ihre dann unter wir soll diese dieser dieses wieder keine ihr sowie " +
			"gemäß bzw abs nach sofern wird ob jedoch hierzu wurden sollen muss insbesondere",
		letters:  "ßüäö",
		suffixes: "ung ungen lich keit heit schaft",
		digraphs: "sch",
	},
	{
		code: "fr", tsconfig: "french", tesseract: "fra",
		words: "de la le et les des en du un une est pour que qui dans par sur au pas plus ne se ce il " +
			"sont avec ou son sa ses aux été être cette qu l d n s c elle nous vous ils leur leurs mais comme " +
			"tout fait peut ces dont entre sans sous également lors ainsi où aussi après avant vers chez " +
			"afin notamment celle ceux selon doit sera ont était lequel laquelle auprès à votre vos notre nos",
		letters:  "çèêàâôîïùœé",
		suffixes: "tion eux aux ées ement",
	},
	{
		code: "nl", tsconfig: "dutch", tesseract: "nld",
		words: "de het een van en in is dat op te zijn voor met niet aan er om ook als bij of door naar " +
			"worden wordt deze uit die dit heeft hebben werd was nog maar wel dan al kan zal moet geen over " +
			"tot hun haar zij wij ze hij zo onder tussen omdat waar wanneer welke zoals alle meer na reeds " +
			"echter ten ter vanaf mits daarbij hierbij waarin wie dus",
		suffixes: "heid lijk lijke tje",
		digraphs: "ij oe aa",
	},
	{
		code: "fi", tsconfig: "finnish", tesseract: "fin",
		words: "ja on ei se että hän oli ovat tai kun mutta jos ole sen myös niin kuin joka jonka tämä " +
			"tässä sekä mukaan kanssa voi olla ollut vain mitä nämä ne hänen sitä siitä koska kuten tulee " +
			"jossa joita kaikki mukaisesti osalta lisäksi yli alle sitten vielä kuitenkin ennen jälkeen " +
			"aikana välillä perusteella eli voidaan tulee joiden tämän näiden siinä ollen olisi",
		letters:  "äöy",
		suffixes: "ssa ssä sta stä lla llä lta ltä ksi ista istä ään ssaan sen nen",
		digraphs: "aa ää ii uu yy kk tt",
		foreign:  "bcfqwxzå",
	},
	{
		code: "sv", tsconfig: "swedish", tesseract: "swe",
		words: "och i att det som en på är av för med till den har de inte om ett han men var sig från " +
			"vi så kan man när år under också efter eller nu sin där vid mot ska skall hade bara blir alla " +
			"vara vill blev sina detta dessa enligt samt inom genom över än hur här vad får kommer mellan " +
			"utan redan deras denna eftersom kommer hos skulle",
		letters:  "åäö",
		suffixes: "ningen ningar erna arna",
	},
	{
		code: "da", tsconfig: "danish", tesseract: "dan",
		words: "og i at det en den til er som på de med han af for ikke der var sig men et har om vi " +
			"havde hun nu over da fra ud sin dem op man hans hvor eller hvad skal selv her alle vil blev " +
			"kunne ind når være dog noget ville deres efter skulle denne end dette også under have hvis " +
			"nogle hos blive mange bliver været samt jf ifølge mellem uden",
		letters:  "æøå",
		suffixes: "ningen erne ende",
	},
	{
		code: "it", tsconfig: "italian", tesseract: "ita",
		words: "di e il la che in per un del è non una i le da con si al della sono gli alla lo ma come " +
			"anche delle dei nel più se o ha nella ai sul questo dal tra essere stato questa quale degli " +
			"suo sua loro cui quando ogni fra dell all nell sull dall l sia dalla nei sulla previsto " +
			"presente ovvero nonché degli alle",
		letters:  "èìòù",
		suffixes: "zione zioni mente ità",
		digraphs: "gli zz",
	},
	{
		code: "es", tsconfig: "spanish", tesseract: "spa",
		words: "de la que el en y a los del se las por un para con no una su al lo como más o pero sus " +
			"le ha si sin sobre este ya entre cuando todo esta ser son dos también fue había era muy " +
			"hasta desde está porque sólo han hay vez puede todos así nos ni parte tiene donde cada otro " +
			"después otros aunque esa eso hace otra durante según dicho dicha mediante cual",
		letters:  "ñáíóú¿¡",
		suffixes: "ción ciones mente dad",
	},
	{
		code: "pt", tsconfig: "portuguese", tesseract: "por",
		words: "de a o que e do da em um para é com não uma os no se na por mais as dos como mas foi ao " +
			"ele das tem à seu sua ou ser quando muito há nos já está também só pelo pela até isso ela " +
			"entre era depois sem mesmo aos ter seus quem nas esse eles estão foram essa num nem suas às " +
			"são pelos elas havia seja qual será lhe deles este dele nesta neste desta deste",
		letters:  "ãõçâêôáéíóú",
		suffixes: "ção ções mente dade",
	},
	{
		code: "en", tsconfig: "english", tesseract: "eng",
		words: "the of and to a in is that for it as with was on be by this are or from at an not which " +
			"have has shall will may been their its any such other these under all were would can " +
			"should must there than also if into each where who more no only upon within those without " +
			"per whether they he she we our you your",
		suffixes: "ing tion ly",
		digraphs: "th wh",
	},
}

// index maps every function word to the languages that use it, as a bit
// set over profiles, so one map lookup scores a word for all of them.
type index struct {
	words    map[string]uint16
	letters  map[rune]uint16
	foreign  map[rune]uint16
	suffixes []affix
	digraphs []affix
}

type affix struct {
	text  []byte
	langs uint16
}

// table is built once from profiles; it is read-only afterwards.
var table = buildIndex(profiles)

func buildIndex(ps []profile) index {
	ix := index{words: map[string]uint16{}, letters: map[rune]uint16{}, foreign: map[rune]uint16{}}
	suffixes := map[string]uint16{}
	digraphs := map[string]uint16{}
	for i, p := range ps {
		bit := uint16(1) << i
		for _, w := range strings.Fields(p.words) {
			ix.words[w] |= bit
		}
		for _, r := range p.letters {
			ix.letters[r] |= bit
		}
		for _, r := range p.foreign {
			ix.foreign[r] |= bit
		}
		for _, s := range strings.Fields(p.suffixes) {
			suffixes[s] |= bit
		}
		for _, d := range strings.Fields(p.digraphs) {
			digraphs[d] |= bit
		}
	}
	ix.suffixes = sortedAffixes(suffixes)
	ix.digraphs = sortedAffixes(digraphs)
	return ix
}

// sortedAffixes fixes the order so that floating-point sums, and so ties,
// come out the same on every run.
func sortedAffixes(m map[string]uint16) []affix {
	out := make([]affix, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, affix{[]byte(k), m[k]})
	}
	return out
}
