package lang

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/sharedtest"
)

// sentences are short municipal texts, a few per language, written for
// these tests; each is long enough (≥ 20 words) for Detect to decide.
var sentences = []struct {
	want string
	text string
}{
	{"de", "Die Gemeinde erhebt die Hundesteuer nach dieser Satzung. Steuerpflichtig ist, wer einen Hund in seinem Haushalt aufnimmt. Die Steuer wird für das Kalenderjahr festgesetzt und ist am 1. Juli fällig."},
	{"de", "Der Gemeinderat hat in seiner Sitzung vom 14. November beschlossen, die Straßenreinigung neu zu regeln. Die Anlieger müssen bei Schneefall die Gehwege bis 7 Uhr räumen und mit abstumpfenden Mitteln bestreuen."},
	{"fr", "Le conseil municipal a approuvé la subvention accordée aux associations sportives de la ville. Les crédits nécessaires sont inscrits au budget de l'exercice en cours, conformément à la délibération du 25 juin."},
	{"fr", "Les demandes d'inscription à la cantine scolaire doivent être déposées auprès du service de l'éducation avant la rentrée. Le tarif est fixé en fonction du quotient familial de chaque foyer."},
	{"nl", "De gemeenteraad heeft besloten dat de afvalstoffenheffing voor het komende jaar niet wordt verhoogd. Bewoners die een aanvraag voor kwijtschelding willen indienen, kunnen dit doen bij het loket van de gemeente."},
	{"nl", "Het college van burgemeester en wethouders is bevoegd om een vergunning te verlenen voor het plaatsen van een terras op de openbare weg, mits de doorgang voor voetgangers vrij blijft."},
	{"fi", "Kaupunginvaltuusto päätti kokouksessaan, että kiinteistöveroprosentit pidetään ennallaan ensi vuonna. Asukkaat voivat jättää muistutuksen kaavaehdotuksesta kirjaamoon viimeistään kuukauden kuluessa nähtäville asettamisesta."},
	{"fi", "Päiväkotipaikkaa on haettava viimeistään neljä kuukautta ennen kuin lapsi tarvitsee hoitoa. Hakemus tehdään kunnan sähköisessä asiointipalvelussa, ja päätös lähetetään huoltajalle kirjeenä tai sähköisesti."},
	{"sv", "Kommunfullmäktige har beslutat att avgiften för hemtjänst ska vara oförändrad under nästa år. Den som vill överklaga beslutet kan göra det skriftligt till förvaltningsrätten inom tre veckor från att beslutet har meddelats."},
	{"sv", "Ansökan om bygglov ska lämnas till byggnadsnämnden innan arbetet påbörjas. Nämnden prövar om åtgärden är förenlig med detaljplanen och om den uppfyller kraven på tillgänglighet och säkerhet."},
	{"da", "Kommunalbestyrelsen har besluttet, at taksten for madservice ikke skal hæves i det kommende år. Borgere, der ønsker at klage over afgørelsen, kan sende en skriftlig klage til kommunen inden fire uger."},
	{"da", "Ansøgning om byggetilladelse skal indsendes digitalt, før byggeriet går i gang. Kommunen vurderer, om projektet overholder lokalplanen, og træffer afgørelse hurtigst muligt efter at ansøgningen er modtaget."},
	{"it", "Il consiglio comunale ha approvato il regolamento per la concessione dei contributi alle associazioni del territorio. Le domande devono essere presentate all'ufficio protocollo entro il 30 settembre di ogni anno."},
	{"it", "La tassa sui rifiuti è dovuta da chiunque possieda o detenga a qualsiasi titolo locali o aree scoperte suscettibili di produrre rifiuti urbani. Il versamento avviene in due rate con il modello predisposto dal comune."},
	{"es", "El pleno del ayuntamiento aprobó la ordenanza reguladora de la tasa por recogida de basuras. Los vecinos podrán presentar alegaciones durante un plazo de treinta días hábiles desde la publicación en el boletín oficial."},
	{"es", "La solicitud de licencia de obras deberá acompañarse de un proyecto técnico firmado por un profesional competente. El ayuntamiento resolverá en el plazo de tres meses, y el silencio tendrá efecto desestimatorio."},
	{"pt", "A câmara municipal aprovou o regulamento de apoio às associações culturais e desportivas do concelho. Os pedidos devem ser apresentados nos serviços de atendimento até ao final do mês de março de cada ano."},
	{"pt", "O pagamento da taxa de ocupação da via pública é efetuado na tesouraria da câmara ou por transferência bancária. A falta de pagamento no prazo fixado determina a cobrança coerciva da dívida, nos termos da lei."},
	{"en", "The city council has approved the annual budget, which includes new funding for road maintenance and public libraries. Residents who wish to comment on the plan may submit their views to the town clerk within thirty days."},
	{"en", "Applications for a parking permit shall be made on the form provided by the council. A permit is valid for twelve months and may be withdrawn if the holder no longer lives at the address for which it was issued."},
}

func TestDetectSentences(t *testing.T) {
	t.Parallel()
	for _, tc := range sentences {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			got, conf := Detect(tc.text)
			if got != tc.want {
				t.Errorf("Detect(%.40q…) = %q (%.2f), want %q", tc.text, got, conf, tc.want)
			}
			if conf <= 0.3 || conf > 1 {
				t.Errorf("Detect(%.40q…) confidence = %.2f, want in (0.3, 1]", tc.text, conf)
			}
		})
	}
}

func TestDetectUnsure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
	}{
		{"empty", ""},
		{"spaces", " \n\t  "},
		{"numbers", "2023 14.11.2024 § 4 Nr. 12 3,5 % 1.000,00 € 08117 081175009012 (7) 2–3 4711 0815 42 17 99 100 250 1 2 3 4 5 6 7 8 9 10"},
		{"one sentence, too short", "Die Gemeinde erhebt die Hundesteuer nach dieser Satzung."},
		{"few words", "le conseil municipal"},
		{"unsupported language", "Rada gminy uchwala budżet na rok przyszły. Mieszkańcy mogą składać wnioski w urzędzie przez cały miesiąc, a decyzje zostaną ogłoszone w biuletynie informacji publicznej niezwłocznie po posiedzeniu."},
		{"mixed German and French", sentences[0].text + " " + sentences[2].text},
		{"mixed Swedish and Danish", sentences[8].text + " " + sentences[10].text},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, conf := Detect(tc.text)
			if got != "" {
				t.Errorf("Detect(%.40q…) = %q (%.2f), want \"\"", tc.text, got, conf)
			}
			if conf > 0.3 {
				t.Errorf("Detect(%.40q…) confidence = %.2f, want ≤ 0.3 when unsure", tc.text, conf)
			}
		})
	}
}

// TestDetectDocuments runs Detect on the real sample documents, whose file
// names start with their language code (de_…, fr_…).
func TestDetectDocuments(t *testing.T) {
	t.Parallel()
	dir := docsDir(t)
	var files []string
	for _, pat := range []string{"*.md", "*.txt"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Skipf("no .md or .txt documents in %s", dir)
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want, _, ok := strings.Cut(name, "_")
			if !ok {
				t.Skipf("%s: no language prefix", name)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got, conf := Detect(string(data))
			if got != want {
				t.Errorf("Detect(%s) = %q (%.2f), want %q", name, got, conf, want)
			}
			t.Logf("%s: %s %.2f", name, got, conf)
		})
	}
}

// docsDir finds the shared sample documents, or skips the test, so the
// package tests pass in a bare checkout.
func docsDir(t *testing.T) string { return filepath.Join(sharedtest.DataDir(t), "docs") }

func TestDetectSamplesBoundedPrefix(t *testing.T) {
	t.Parallel()
	// A German start followed by a lot of French: only the sample counts.
	de := strings.Repeat(sentences[0].text+" ", 200)
	fr := strings.Repeat(sentences[2].text+" ", 2000)
	if got, _ := Detect(de + fr); got != "de" {
		t.Errorf("Detect(German prefix + French) = %q, want %q from the first %d runes", got, "de", SampleRunes)
	}
}

func TestSampleCutsAtRuneBoundary(t *testing.T) {
	t.Parallel()
	s := strings.Repeat("ä", SampleRunes+10)
	got := sample(s)
	if n := len([]rune(got)); n != SampleRunes {
		t.Errorf("sample kept %d runes, want %d", n, SampleRunes)
	}
}

func TestTSConfig(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"de": "german", "fr": "french", "nl": "dutch", "fi": "finnish", "sv": "swedish",
		"da": "danish", "it": "italian", "es": "spanish", "pt": "portuguese", "en": "english",
		"": "simple", "pl": "simple", "xx": "simple", "DE": "german",
	}
	for code, want := range tests {
		if got := TSConfig(code); got != want {
			t.Errorf("TSConfig(%q) = %q, want %q", code, got, want)
		}
	}
}

func TestTesseract(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"de": "deu", "fr": "fra", "nl": "nld", "fi": "fin", "sv": "swe",
		"da": "dan", "it": "ita", "es": "spa", "pt": "por", "en": "eng",
		"": "", "pl": "",
	}
	for code, want := range tests {
		if got := Tesseract(code); got != want {
			t.Errorf("Tesseract(%q) = %q, want %q", code, got, want)
		}
	}
}

func TestProfilesFitBitSet(t *testing.T) {
	t.Parallel()
	// index keeps languages in a uint16 and stats in [16] arrays.
	if len(profiles) > 16 {
		t.Fatalf("%d profiles, at most 16 fit the bit set", len(profiles))
	}
	if got := Supported(); len(got) != 10 {
		t.Errorf("Supported() = %v, want the 10 languages", got)
	}
}

func BenchmarkDetect(b *testing.B) {
	var sb strings.Builder
	for sb.Len() < 100<<10 {
		for _, s := range sentences {
			if s.want == "de" {
				sb.WriteString(s.text)
				sb.WriteString("\n")
			}
		}
	}
	text := sb.String()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if code, _ := Detect(text); code != "de" {
			b.Fatalf("Detect = %q", code)
		}
	}
}
