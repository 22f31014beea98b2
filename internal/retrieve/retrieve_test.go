package retrieve_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
	"github.com/civitas-eu/civitas/internal/retrieve"
	"github.com/civitas-eu/civitas/internal/store"
)

// The documents every test here stores. Texts are German by design: the
// full-text side is judged on real stemming.
var testDocs = []struct {
	name   string
	groups []string
	chunks []string
}{
	{name: "hundesteuer", chunks: []string{
		"§ 1 Steuergegenstand. Die Gemeinde erhebt die Hundesteuer nach dieser Satzung.",
		"§ 5 Steuersatz. Die Steuer beträgt im Kalenderjahr für jeden Hund 165,00 Euro.",
		"§ 5 Absatz 2. Für einen Kampfhund beträgt der Steuersatz 900,00 Euro.",
		"§ 11 Hundesteuermarken. Bei Verlust wird eine Ersatzmarke gegen eine Gebühr von 5,00 Euro ausgegeben.",
		"§ 12 Inkrafttreten. Diese Satzung tritt am Tag nach ihrer öffentlichen Bekanntmachung in Kraft. Gleichzeitig tritt die Satzung vom 12. Dezember 2001 in der Fassung vom 3. Mai 2010 außer Kraft. Hinweis nach § 4 Absatz 4 der Gemeindeordnung: Eine Verletzung von Verfahrens- oder Formvorschriften ist unbeachtlich.",
	}},
	{name: "streupflicht", chunks: []string{
		"§ 1 Gehwege sind an Werktagen bis 7.00 Uhr zu räumen und zu streuen.",
		"§ 2 Ordnungswidrig handelt, wer die Streupflicht verletzt. Die Geldbuße beträgt bis zu 500 Euro.",
		"§ 3 Inkrafttreten. Diese Satzung tritt am Tag nach ihrer öffentlichen Bekanntmachung in Kraft. Gleichzeitig tritt die Satzung vom 12. Dezember 2001 in der Fassung vom 3. Mai 2010 außer Kraft. Hinweis nach § 4 Absatz 4 der Gemeindeordnung: Eine Verletzung von Verfahrens- oder Formvorschriften ist unbeachtlich.",
	}},
	{name: "personalakte", groups: []string{"personal"}, chunks: []string{
		"Vermerk: Die Hundesteuer des Bürgermeisters wird bis zum Jahresende gestundet.",
	}},
}

type bundle struct {
	st    *store.Store
	docs  map[string]int64
	model string // the embedding model the chunks were embedded with; "" when none
}

// setup stores testDocs in a rolled-back transaction. With emb, each
// chunk is embedded with model through it, as ingest would.
func setup(t *testing.T, emb *ollama.Client, model string) bundle {
	t.Helper()
	ctx := context.Background()
	st, err := store.New(dbtest.Tx(t))
	if err != nil {
		t.Fatal(err)
	}
	b := bundle{st: st, docs: map[string]int64{}, model: model}
	var m store.EmbeddingModel
	if emb != nil {
		dims, err := emb.EmbeddingDimensions(ctx, model)
		if err != nil {
			t.Fatal(err)
		}
		if m, err = st.RegisterEmbeddingModel(ctx, model, dims, ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range testDocs {
		chunks := make([]store.Chunk, len(d.chunks))
		for i, c := range d.chunks {
			chunks[i] = store.Chunk{Content: c, TokenCount: len(strings.Fields(c))}
		}
		sum := sha256.Sum256([]byte(d.name))
		doc, ids, err := st.InsertDocument(ctx, store.Document{
			Collection: "bad-boll", SourceURI: "/docs/" + d.name + ".md", Title: d.name, MediaType: "text/markdown",
			Language: "de", TSConfig: "german", ContentHash: sum[:], AccessGroups: d.groups,
		}, chunks)
		if err != nil {
			t.Fatal(err)
		}
		b.docs[d.name] = doc.ID
		if emb != nil {
			vecs, err := emb.Embed(ctx, model, d.chunks)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.UpsertEmbeddings(ctx, m, ids, vecs); err != nil {
				t.Fatal(err)
			}
		}
	}
	return b
}

func TestRetrieveHybridEmbedsTheQuestion(t *testing.T) {
	t.Parallel()
	oc := ollamatest.Client(t)
	model := ollamatest.Model(t, oc, ollamatest.RandomFile)
	b := setup(t, oc, model)
	r := retrieve.New(b.st, oc, retrieve.Config{EmbedModel: model}, nil)
	// The question is a chunk's own text: whatever the test model's
	// vectors mean, that chunk is its nearest neighbour and its best text
	// match, so it must come first on both sides.
	want := testDocs[0].chunks[1]
	res, err := r.Retrieve(context.Background(), retrieve.Query{Text: want, K: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Mode != retrieve.ModeHybrid || res.EmbedModel != model || res.Fallback != "" {
		t.Errorf("mode %q, model %q, fallback %q; want hybrid with %s", res.Mode, res.EmbedModel, res.Fallback, model)
	}
	if len(res.Passages) == 0 || res.Passages[0].Text != want {
		t.Fatalf("passages %+v, want %q first", res.Passages, want)
	}
	p := res.Passages[0]
	if p.DocumentID != b.docs["hundesteuer"] || p.Title != "hundesteuer" || p.SourceURI != "/docs/hundesteuer.md" ||
		p.MediaType != "text/markdown" || p.Ordinal != 1 || p.DocumentVersion != 1 || p.PageStart != 0 || p.PageEnd != 0 {
		t.Errorf("first passage %+v", p)
	}
	if len(res.Passages) > 3 {
		t.Errorf("%d passages, asked for 3", len(res.Passages))
	}

	vec, err := r.Retrieve(context.Background(), retrieve.Query{Text: want, K: 3, Mode: retrieve.ModeVector})
	if err != nil {
		t.Fatal(err)
	}
	if vec.Mode != retrieve.ModeVector || len(vec.Passages) == 0 || vec.Passages[0].Text != want {
		t.Errorf("vector mode: %q, %v", vec.Mode, vec.Passages)
	}
}

func TestRetrieveFallsBackToLexical(t *testing.T) {
	t.Parallel()
	question := "Wie hoch ist die Hundesteuer für einen Hund im Kalenderjahr?"
	tests := []struct {
		name   string
		setup  func(t *testing.T) (bundle, retrieve.Embedder, string)
		reason string // expected in Result.Fallback
	}{
		{"Ollama unreachable", func(t *testing.T) (bundle, retrieve.Embedder, string) {
			b := setup(t, nil, "")
			_, err := b.st.RegisterEmbeddingModel(context.Background(), "nomic-embed-text", 8, "")
			if err != nil {
				t.Fatal(err)
			}
			return b, ollamatest.Unreachable(t), "nomic-embed-text"
		}, "cannot reach"},
		{"model never embedded", func(t *testing.T) (bundle, retrieve.Embedder, string) {
			return setup(t, nil, ""), ollamatest.Unreachable(t), "bge-m3"
		}, "no documents have been embedded with bge-m3"},
		{"model not installed", func(t *testing.T) (bundle, retrieve.Embedder, string) {
			oc := ollamatest.Client(t)
			b := setup(t, nil, "")
			if _, err := b.st.RegisterEmbeddingModel(context.Background(), "civitas-no-such-model", 8, ""); err != nil {
				t.Fatal(err)
			}
			return b, oc, "civitas-no-such-model"
		}, "not installed"},
		{"no embedder", func(t *testing.T) (bundle, retrieve.Embedder, string) {
			return setup(t, nil, ""), nil, "bge-m3"
		}, "no embedding model configured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, emb, model := tt.setup(t)
			r := retrieve.New(b.st, emb, retrieve.Config{EmbedModel: model}, nil)
			ctx := context.Background()
			res, err := r.Retrieve(ctx, retrieve.Query{Text: question, Language: "de"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Mode != retrieve.ModeLexical || res.EmbedModel != "" || !strings.Contains(res.Fallback, tt.reason) {
				t.Errorf("mode %q, model %q, fallback %q; want lexical because %q", res.Mode, res.EmbedModel, res.Fallback, tt.reason)
			}
			if len(res.Passages) == 0 || !strings.Contains(res.Passages[0].Text, "165,00") {
				t.Errorf("lexical fallback passages: %+v", res.Passages)
			}
			// Asked for explicitly, vector search fails instead.
			for _, mode := range []string{retrieve.ModeVector, retrieve.ModeHybrid} {
				if _, err := r.Retrieve(ctx, retrieve.Query{Text: question, Mode: mode}); !errors.Is(err, retrieve.ErrNoEmbeddings) {
					t.Errorf("forced %s: error %v, want ErrNoEmbeddings", mode, err)
				}
			}
		})
	}
}

// TestRetrieveRemembersUnreachableOllama checks that once Ollama refused,
// later questions do not try again until the backoff has passed.
func TestRetrieveRemembersUnreachableOllama(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, "")
	if _, err := b.st.RegisterEmbeddingModel(context.Background(), "nomic-embed-text", 8, ""); err != nil {
		t.Fatal(err)
	}
	emb := &countingEmbedder{Embedder: ollamatest.Unreachable(t)}
	r := retrieve.New(b.st, emb, retrieve.Config{EmbedModel: "nomic-embed-text", Backoff: time.Hour}, nil)
	for range 3 {
		res, err := r.Retrieve(context.Background(), retrieve.Query{Text: "Hundesteuer"})
		if err != nil || res.Mode != retrieve.ModeLexical {
			t.Fatalf("mode %q, err %v", res.Mode, err)
		}
	}
	if emb.calls != 1 {
		t.Errorf("%d embedding calls, want 1 (then skipped during the backoff)", emb.calls)
	}
}

type countingEmbedder struct {
	retrieve.Embedder
	calls int
}

func (c *countingEmbedder) Embed(ctx context.Context, model string, texts []string) ([][]float32, error) {
	c.calls++
	return c.Embedder.Embed(ctx, model, texts)
}

func TestRetrievePostProcessing(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, "")
	ctx := context.Background()
	tests := []struct {
		name  string
		cfg   retrieve.Config
		query retrieve.Query
		check func(t *testing.T, ps []retrieve.Passage)
	}{
		{"duplicate boilerplate collapsed", retrieve.Config{},
			retrieve.Query{Text: "Inkrafttreten der Satzung nach öffentlicher Bekanntmachung"},
			func(t *testing.T, ps []retrieve.Passage) {
				n := 0
				for _, p := range ps {
					if strings.Contains(p.Text, "Inkrafttreten") {
						n++
					}
				}
				if n != 1 {
					t.Errorf("%d copies of the boilerplate, want 1", n)
				}
			}},
		{"duplicates kept when asked", retrieve.Config{Duplicate: -1},
			retrieve.Query{Text: "Inkrafttreten der Satzung nach öffentlicher Bekanntmachung"},
			func(t *testing.T, ps []retrieve.Passage) {
				if len(ps) < 2 || !strings.Contains(ps[1].Text, "Inkrafttreten") {
					t.Errorf("want both copies first: %v", texts(ps))
				}
			}},
		{"per-document cap", retrieve.Config{PerDocument: 1},
			retrieve.Query{Text: "Steuersatz Geldbuße Euro", K: 2},
			func(t *testing.T, ps []retrieve.Passage) {
				if len(ps) != 2 || ps[0].DocumentID == ps[1].DocumentID {
					t.Errorf("want two documents: %v", texts(ps))
				}
			}},
		{"groups enforced", retrieve.Config{},
			retrieve.Query{Text: "Hundesteuer des Bürgermeisters gestundet"},
			func(t *testing.T, ps []retrieve.Passage) {
				for _, p := range ps {
					if p.DocumentID == b.docs["personalakte"] {
						t.Errorf("a caller without groups got %q", p.Text)
					}
				}
			}},
		{"groups let members see", retrieve.Config{},
			retrieve.Query{Text: "Hundesteuer des Bürgermeisters gestundet", Groups: []string{"personal"}},
			func(t *testing.T, ps []retrieve.Passage) {
				if len(ps) == 0 || ps[0].DocumentID != b.docs["personalakte"] {
					t.Errorf("a member of personal did not get the note first: %v", texts(ps))
				}
			}},
		{"document scope", retrieve.Config{},
			retrieve.Query{Text: "Euro", DocumentIDs: []int64{b.docs["streupflicht"]}},
			func(t *testing.T, ps []retrieve.Passage) {
				if len(ps) != 1 || ps[0].DocumentID != b.docs["streupflicht"] {
					t.Errorf("want the one passage of streupflicht with Euro: %v", texts(ps))
				}
			}},
		{"neighbours widen and merge", retrieve.Config{Neighbours: 1},
			retrieve.Query{Text: "Kampfhund Steuersatz 900,00", K: 1},
			func(t *testing.T, ps []retrieve.Passage) {
				if len(ps) != 1 {
					t.Fatalf("want one passage: %v", texts(ps))
				}
				want := strings.Join(testDocs[0].chunks[1:4], "\n\n")
				if ps[0].Text != want || ps[0].Ordinal != 2 {
					t.Errorf("widened passage (ordinal %d) %q, want %q", ps[0].Ordinal, ps[0].Text, want)
				}
			}},
		{"adjacent hits merged into one", retrieve.Config{Neighbours: 1},
			retrieve.Query{Text: "Steuersatz Kampfhund Kalenderjahr", DocumentIDs: []int64{b.docs["hundesteuer"]}, K: 2},
			func(t *testing.T, ps []retrieve.Passage) {
				if len(ps) != 1 || !strings.HasPrefix(ps[0].Text, testDocs[0].chunks[0]) || !strings.HasSuffix(ps[0].Text, testDocs[0].chunks[3]) {
					t.Errorf("want chunks 0-3 as one passage: %v", texts(ps))
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := retrieve.New(b.st, nil, tt.cfg, nil)
			res, err := r.Retrieve(ctx, tt.query)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, res.Passages)
		})
	}
}

func TestRetrieveRejects(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, "")
	r := retrieve.New(b.st, nil, retrieve.Config{}, nil)
	ctx := context.Background()
	if _, err := r.Retrieve(ctx, retrieve.Query{Text: " \n"}); !errors.Is(err, store.ErrEmptyQuery) {
		t.Errorf("empty question: %v, want ErrEmptyQuery", err)
	}
	if _, err := r.Retrieve(ctx, retrieve.Query{Text: "Hund", Mode: "fuzzy"}); err == nil {
		t.Error("unknown mode: no error")
	}
}

func TestRetrieveDetectsLanguage(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, "")
	r := retrieve.New(b.st, nil, retrieve.Config{}, nil)
	q := "Ich möchte gerne wissen, wie hoch die Steuer für einen Hund in der Gemeinde ist, und ob es für einen Kampfhund einen anderen Satz gibt, der höher ist als der normale."
	res, err := r.Retrieve(context.Background(), retrieve.Query{Text: q})
	if err != nil {
		t.Fatal(err)
	}
	if res.Language != "de" {
		t.Errorf("language %q, want de", res.Language)
	}
	if len(res.Passages) == 0 || !strings.Contains(res.Passages[0].Text, "Kampfhund") && !strings.Contains(res.Passages[0].Text, "165,00") {
		t.Errorf("passages %v", texts(res.Passages))
	}
}

func texts(ps []retrieve.Passage) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Text
	}
	return out
}
