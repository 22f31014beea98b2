package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
)

// RetrieveFilter narrows retrieval to the chunks a caller may see and asked
// for. Every condition is part of the SQL query, never applied afterwards,
// so a filter never shortens a result that more rows could have filled.
// Only current document versions are ever searched.
type RetrieveFilter struct {
	Collections []string   // collection names; none: all
	Languages   []string   // document languages (ISO 639-1); none: all
	From, To    *time.Time // inclusive bounds on the document date (source modification time, else ingest time); nil: open
	DocumentIDs []int64    // only these documents; none: all
	// Groups are the caller's access groups. A document with no access
	// groups is public; any other is visible only when it shares at least
	// one group with the caller. No groups: public documents only.
	Groups []string
}

// RetrieveQuery is one retrieval request.
type RetrieveQuery struct {
	RetrieveFilter
	// Text is the question for full-text search, in web-search syntax:
	// every word counts (any of them may match, rarer words weigh more),
	// "quoted phrases" count again as phrases, and -word excludes chunks
	// holding the word.
	Text string
	// QuestionConfig is the text search configuration of the question's
	// language ("german", ...); its stop words are dropped from the
	// question. "" means "simple", which has none.
	QuestionConfig string
	// Vector is the embedded question for vector search; it must have the
	// embedding model's dimension.
	Vector []float32
	// K is the number of chunks to return; 0 means 10.
	K int
	// Candidates is how many chunks each side of a hybrid search
	// contributes to the fusion; 0 means max(4K, 40).
	Candidates int

	parts string // the parts of Text's compounds (withQuestionParts)
}

// Retrieved is a chunk found by retrieval, with what a citation needs of
// its document.
type Retrieved struct {
	ChunkID         int64
	DocumentID      int64
	DocumentVersion int
	Ordinal         int
	Title           string
	SourceURI       string
	MediaType       string
	Language        string
	PageStart       *int // nil for formats without pages
	PageEnd         *int
	HeadingPath     []string
	Content         string
	// Score orders the results, larger is better: the fused reciprocal
	// rank (hybrid), the BM25-like text score (lexical) or the cosine
	// similarity (vector).
	Score float64
	// LexicalRank and VectorRank are the chunk's 1-based rank on each side
	// of the search; 0 when that side did not find it.
	LexicalRank int
	VectorRank  int
	// Similarity is the cosine similarity to the question's vector; 0
	// when vector search did not find the chunk.
	Similarity float64
}

// Retrieval tuning. rrfK is the usual constant of reciprocal rank fusion
// (1/(60+rank)). A term held by dfCap visible chunks or more counts as
// common: its count stops there (bounding the work per term), and it scores
// chunks without bringing in chunks of its own. The text side rescores its
// best rescore chunks with their titles and headings.
const (
	rrfK         = 60
	dfCap        = 500
	defaultK     = 10
	minEfSearch  = 40
	minCandidate = 40
	rescore      = 200
	// headingWeight is what a term found in the document's title or the
	// chunk's headings adds, as a share of its idf; lengthB is how much a
	// long chunk's score is damped (BM25's b). Both were tuned on the QA
	// set of shared/data (see internal/eval).
	headingWeight = 0.3
	lengthB       = 0.25
)

// ErrEmptyQuery is returned when a search has nothing to search for: no
// words for full text, or no vector for vector search.
var ErrEmptyQuery = errors.New("empty query")

// RetrieveHybrid returns the K chunks that rank best by reciprocal rank
// fusion of vector search under model m and full-text search. Each side
// contributes its Candidates best chunks; both obey the filter. A query
// with no searchable words is answered by the vector side alone.
func (s *Store) RetrieveHybrid(ctx context.Context, m EmbeddingModel, q RetrieveQuery) ([]Retrieved, error) {
	if err := m.checkVector(q.Vector); err != nil {
		return nil, fmt.Errorf("store: hybrid retrieval: %w", err)
	}
	q, err := s.withQuestionParts(ctx, q.withDefaults())
	if err != nil {
		return nil, err
	}
	return s.retrieveInTx(ctx, "hybrid", q, s.retrieveSQL("RetrieveHybrid", m), q.args("hybrid"))
}

// RetrieveLexical returns the K chunks that best match q.Text, by a
// BM25-like score over every word of the question in each document's own
// text search configuration. It returns ErrEmptyQuery when q.Text has no
// searchable words.
func (s *Store) RetrieveLexical(ctx context.Context, q RetrieveQuery) ([]Retrieved, error) {
	q = q.withDefaults()
	if strings.TrimSpace(q.Text) == "" {
		return nil, fmt.Errorf("store: lexical retrieval: %w", ErrEmptyQuery)
	}
	q, err := s.withQuestionParts(ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := s.read.Query(ctx, s.retrieveSQL("RetrieveLexical", EmbeddingModel{}), q.args("lexical"))
	if err != nil {
		return nil, fmt.Errorf("store: lexical retrieval: %w", err)
	}
	return collectRetrieved(rows)
}

// RetrieveVector returns the K chunks nearest to q.Vector under model m,
// using the model's HNSW index with an iterative scan, so that a selective
// filter still yields K chunks when K exist.
func (s *Store) RetrieveVector(ctx context.Context, m EmbeddingModel, q RetrieveQuery) ([]Retrieved, error) {
	if err := m.checkVector(q.Vector); err != nil {
		return nil, fmt.Errorf("store: vector retrieval: %w", err)
	}
	q = q.withDefaults()
	return s.retrieveInTx(ctx, "vector", q, s.retrieveSQL("RetrieveVector", m), q.args("vector"))
}

// NeighbourChunks returns the chunks of a document within n places of
// ordinal (the chunk at ordinal included), in reading order, for context
// around a retrieved passage. It returns none when the document is not
// current or the caller's groups may not see it.
func (s *Store) NeighbourChunks(ctx context.Context, documentID int64, ordinal, n int, groups []string) ([]Retrieved, error) {
	rows, err := s.read.Query(ctx, s.q("NeighbourChunks"), pgx.NamedArgs{
		"document": documentID, "ordinal": ordinal, "n": max(n, 0), "groups": nonNil(groups),
	})
	if err != nil {
		return nil, fmt.Errorf("store: chunks around %d of document %d: %w", ordinal, documentID, err)
	}
	return collectRetrieved(rows)
}

// retrieveInTx runs a retrieval query after the search settings of q
// (RetrieveSettings), both in one batch: one round trip, and one implicit
// transaction, which the settings are local to (a session-wide SET would
// leak to whoever uses the connection next, and on PGlite, which serves
// every connection from one session, to everyone). An explicit BEGIN,
// SET and COMMIT around the query cost three more round trips per search.
func (s *Store) retrieveInTx(ctx context.Context, mode string, q RetrieveQuery, sql string, args pgx.StrictNamedArgs) ([]Retrieved, error) {
	b := &pgx.Batch{}
	b.Queue(s.q("RetrieveSettings"), pgx.NamedArgs{"ef_search": q.efSearch()})
	b.Queue(sql, args)
	br := s.read.SendBatch(ctx, b)
	out, err := func() ([]Retrieved, error) {
		if _, err := br.Exec(); err != nil {
			return nil, fmt.Errorf("set search parameters: %w", err)
		}
		rows, err := br.Query()
		if err != nil {
			return nil, err
		}
		return collectRetrieved(rows)
	}()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("store: %s retrieval: %w", mode, err)
	}
	return out, nil
}

// inSearchTx runs fn, which walks an HNSW index, inside a transaction that
// sets the index's search parameters for q for that transaction alone: a
// session-wide SET would leak to whoever uses the connection next (and on
// PGlite, which serves every connection from one session, to everyone).
func (s *Store) inSearchTx(ctx context.Context, q RetrieveQuery, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.read, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, s.q("RetrieveSettings"), pgx.NamedArgs{"ef_search": q.efSearch()}); err != nil {
			return fmt.Errorf("set search parameters: %w", err)
		}
		return fn(tx)
	})
}

// retrieveSQL assembles a retrieval query from its shared parts: the
// filter, the full-text CTEs and the column list, then the model's id and
// dimension.
func (s *Store) retrieveSQL(name string, m EmbeddingModel) string {
	sql := strings.NewReplacer(
		"{{lexical}}", s.q("RetrieveLexicalCTE"),
		"{{columns}}", s.q("RetrieveColumns"),
	).Replace(s.q(name))
	sql = strings.ReplaceAll(sql, "{{visible}}", "("+s.q("RetrieveFilter")+")")
	if m.ID != 0 {
		sql = m.sql(sql)
	}
	return sql
}

func (m EmbeddingModel) checkVector(v []float32) error {
	if len(v) == 0 {
		return ErrEmptyQuery
	}
	if len(v) != m.Dimensions {
		return fmt.Errorf("query has %d dimensions, model %s has %d: %w", len(v), m.Name, m.Dimensions, ErrDimensionMismatch)
	}
	return nil
}

func (q RetrieveQuery) withDefaults() RetrieveQuery {
	if q.K <= 0 {
		q.K = defaultK
	}
	if q.Candidates <= 0 {
		q.Candidates = max(4*q.K, minCandidate)
	}
	q.Candidates = max(q.Candidates, q.K)
	return q
}

// efSearch is the HNSW candidate list size: at least the number of rows
// the vector side must return.
func (q RetrieveQuery) efSearch() int {
	return max(minEfSearch, 2*q.K, q.Candidates)
}

// args returns the parameters of the retrieval query of a mode
// ("lexical", "vector", "hybrid"): exactly those it uses, since pgx's
// strict named arguments fail on a missing or a superfluous one rather than
// send NULL for a misspelt name.
func (q RetrieveQuery) args(mode string) pgx.StrictNamedArgs {
	args := pgx.StrictNamedArgs{
		"collections": nonNil(q.Collections),
		"languages":   nonNil(q.Languages),
		"documents":   nonNil(q.DocumentIDs),
		"groups":      nonNil(q.Groups),
		"date_from":   q.From,
		"date_to":     q.To,
		"k":           q.K,
	}
	if mode == "lexical" || mode == "hybrid" {
		words, phrases, exclude := splitQuery(q.Text)
		args["text"] = words + " " + q.parts
		args["phrases"] = nonNil(phrases)
		args["exclude"] = exclude
		args["question_config"] = cmp.Or(q.QuestionConfig, "simple")
		args["df_cap"] = dfCap
		args["heading_weight"] = headingWeight
		args["length_b"] = lengthB
		args["rescore"] = max(rescore, q.Candidates)
	}
	if mode == "vector" || mode == "hybrid" {
		args["vector"] = VectorLiteral(q.Vector)
	}
	if mode == "hybrid" {
		args["candidates"] = q.Candidates
		args["rrf_k"] = rrfK
	}
	return args
}

// splitQuery separates a web-search style query into its words (phrases'
// words included), its "quoted phrases" and its -excluded words. Typographic
// quotes („…“, “…”, «…») delimit phrases too. Words are left to
// PostgreSQL's parser, which splits and stems them per configuration.
func splitQuery(text string) (words string, phrases []string, exclude string) {
	var w, ex strings.Builder
	var phrase strings.Builder
	inPhrase := false
	isQuote := func(r rune) bool { return strings.ContainsRune("\"„“”«»", r) }
	rs := []rune(text)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case isQuote(r):
			if inPhrase {
				if p := strings.TrimSpace(phrase.String()); strings.ContainsFunc(p, unicode.IsSpace) {
					phrases = append(phrases, p)
				}
				phrase.Reset()
			}
			inPhrase = !inPhrase
			w.WriteByte(' ')
		case inPhrase:
			phrase.WriteRune(r)
			w.WriteRune(r)
		case r == '-' && (i == 0 || unicode.IsSpace(rs[i-1])) && i+1 < len(rs) && unicode.IsLetter(rs[i+1]):
			j := i + 1
			for j < len(rs) && !unicode.IsSpace(rs[j]) {
				j++
			}
			ex.WriteString(string(rs[i+1 : j]))
			ex.WriteByte(' ')
			i = j - 1
		default:
			w.WriteRune(r)
		}
	}
	if inPhrase { // an unclosed quote: its words still count
		if p := strings.TrimSpace(phrase.String()); strings.ContainsFunc(p, unicode.IsSpace) {
			phrases = append(phrases, p)
		}
	}
	return w.String(), phrases, strings.TrimSpace(ex.String())
}

// nonNil returns s, or an empty slice for nil: pgx sends a nil slice as
// NULL, which no "= ANY" or cardinality test matches.
func nonNil[S ~[]E, E any](s S) S {
	if s == nil {
		return S{}
	}
	return s
}

func collectRetrieved(rows pgx.Rows) ([]Retrieved, error) {
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Retrieved, error) {
		var h Retrieved
		err := r.Scan(&h.ChunkID, &h.DocumentID, &h.DocumentVersion, &h.Ordinal, &h.Title, &h.SourceURI,
			&h.MediaType, &h.Language, &h.PageStart, &h.PageEnd, &h.HeadingPath, &h.Content,
			&h.Score, &h.LexicalRank, &h.VectorRank, &h.Similarity)
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("read retrieval results: %w", err)
	}
	return out, nil
}
