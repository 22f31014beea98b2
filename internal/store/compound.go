package store

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/compound"
)

// Compound splitting (internal/compound) on both sides of full-text
// search: at ingest the parts of a German chunk's compounds go into its
// compound_parts column, which its tsv holds next to the content; at query
// time the parts of the question's compounds are added to its words. The
// vocabulary is the words of the German documents (compound_vocabulary),
// plus the splitter's built-in seed words.

// splitConfig is the text search configuration whose documents are split.
const splitConfig = "german"

// minVocabularyWord is the shortest word the vocabulary keeps: shorter
// ones are mostly abbreviations, and would cut words at random.
const minVocabularyWord = 4

// chunkCompounds is what writing a chunk batch needs: per chunk, the
// parts of its compounds (space separated), and the document's words for
// the vocabulary.
type chunkCompounds struct {
	parts []string
	words []string
}

// splitChunks splits the compounds of a document's chunks against the
// vocabulary, this document's own words counted as one more document.
// Documents in another language than German get no parts.
func splitChunks(ctx context.Context, db DB, sql, tsConfig string, chunks []Chunk) (chunkCompounds, error) {
	out := chunkCompounds{parts: make([]string, len(chunks))}
	if tsConfig != splitConfig || len(chunks) == 0 {
		return out, nil
	}
	perChunk := make([][]string, len(chunks))
	own := map[string]bool{}
	for i, ch := range chunks {
		perChunk[i] = compound.Words(ch.Content)
		for _, w := range perChunk[i] {
			if !own[w] && utf8.RuneCountInString(w) >= minVocabularyWord {
				own[w] = true
				out.words = append(out.words, w)
			}
		}
	}
	known, err := vocabulary(ctx, db, sql, out.words, own)
	if err != nil {
		return out, err
	}
	for i, words := range perChunk {
		out.parts[i] = strings.Join(partsOf(words, known), " ")
	}
	return out, nil
}

// withQuestionParts returns q with the parts of the compounds among the
// words of its question (excluded words left out), which full-text search
// adds to the question's words: each part is a term of its own.
func (s *Store) withQuestionParts(ctx context.Context, q RetrieveQuery) (RetrieveQuery, error) {
	words, _, _ := splitQuery(q.Text)
	ws := compound.Words(words)
	known, err := vocabulary(ctx, s.read, s.q("CompoundWordFrequencies"), ws, nil) // retrieval reads the replica
	if err != nil {
		return q, fmt.Errorf("store: split the question's compounds: %w", err)
	}
	q.parts = strings.Join(partsOf(ws, known), " ")
	return q, nil
}

// vocabulary looks up, in one query, every string splitting words may ask
// about, and returns the frequencies as a compound.Known (seed words
// included); a word in own counts one document more.
func vocabulary(ctx context.Context, db DB, sql string, words []string, own map[string]bool) (compound.Known, error) {
	seen := map[string]bool{}
	var cands []string
	for _, w := range words {
		for _, c := range compound.Candidates(w) {
			if !seen[c] {
				seen[c] = true
				cands = append(cands, c)
			}
		}
	}
	freq := map[string]int{}
	if len(cands) > 0 {
		rows, err := db.Query(ctx, sql, cands)
		if err != nil {
			return nil, fmt.Errorf("look up %d words: %w", len(cands), err)
		}
		var w string
		var n int
		if _, err := pgx.ForEachRow(rows, []any{&w, &n}, func() error { freq[w] = n; return nil }); err != nil {
			return nil, fmt.Errorf("look up %d words: %w", len(cands), err)
		}
	}
	for w := range own {
		freq[w]++
	}
	return compound.WithSeed(func(w string) int { return freq[w] }), nil
}

// partsOf returns the parts of every compound among words, each once.
func partsOf(words []string, known compound.Known) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range words {
		for _, p := range compound.Parts(w, known) {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// addVocabulary records the words of a German document (chunkCompounds
// .words) as the document's vocabulary.
func (s *Store) addVocabulary(ctx context.Context, tx pgx.Tx, docID int64, cc chunkCompounds) error {
	if len(cc.words) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, s.q("InsertCompoundVocabulary"), docID, cc.words); err != nil {
		return fmt.Errorf("record the vocabulary of document %d: %w", docID, err)
	}
	return nil
}
