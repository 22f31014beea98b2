package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/audit"
)

// Document is one version of an ingested source file.
type Document struct {
	ID               int64
	Collection       string
	SourceURI        string
	Title            string
	MediaType        string
	Language         string // ISO 639-1, "" when unknown
	TSConfig         string // full-text configuration, e.g. "german"
	ContentHash      []byte // SHA-256
	SizeBytes        int64
	SourceModifiedAt *time.Time
	PageCount        *int
	Version          int
	SupersededBy     *int64
	AccessGroups     []string // empty: public
	Metadata         map[string]any
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Chunk is a passage of a document.
type Chunk struct {
	ID          int64
	DocumentID  int64
	Ordinal     int
	PageStart   *int // nil for formats without pages
	PageEnd     *int
	HeadingPath []string
	Content     string
	TokenCount  int
}

// prepared fills the defaults a new row needs (collection "default",
// configuration "simple", no access groups: public) and encodes the
// metadata for its jsonb column.
func (doc Document) prepared() (Document, []byte, error) {
	if doc.Collection == "" {
		doc.Collection = "default"
	}
	if doc.TSConfig == "" {
		doc.TSConfig = "simple"
	}
	if doc.AccessGroups == nil {
		doc.AccessGroups = []string{}
	}
	if doc.Metadata == nil {
		return doc, []byte("{}"), nil
	}
	meta, err := json.Marshal(doc.Metadata)
	if err != nil {
		return doc, nil, fmt.Errorf("store: encode metadata of %s: %w", doc.SourceURI, err)
	}
	return doc, meta, nil
}

// headingSep joins a heading path into one text for the unnest insert. The
// unit separator never occurs in extracted text, which loaders sanitise.
const headingSep = "\x1f"

// EnsureCollection returns the id of the named collection, creating it.
func (s *Store) EnsureCollection(ctx context.Context, name string) (int64, error) {
	var id int64
	if err := s.db.QueryRow(ctx, s.q("EnsureCollection"), name).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: ensure collection %q: %w", name, err)
	}
	return id, nil
}

// InsertDocument writes doc and its chunks in one transaction and returns
// the document with its new ID and the chunk IDs in ordinal order. Chunk
// ordinals are assigned from their position in chunks.
func (s *Store) InsertDocument(ctx context.Context, doc Document, chunks []Chunk) (Document, []int64, error) {
	if doc.Version == 0 {
		doc.Version = 1
	}
	doc, meta, err := doc.prepared()
	if err != nil {
		return Document{}, nil, err
	}
	var ids []int64
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var collID int64
		if err := tx.QueryRow(ctx, s.q("EnsureCollection"), doc.Collection).Scan(&collID); err != nil {
			return fmt.Errorf("ensure collection %q: %w", doc.Collection, err)
		}
		err := tx.QueryRow(ctx, s.q("InsertDocument"),
			collID, doc.SourceURI, doc.Title, doc.MediaType, doc.Language, doc.TSConfig,
			doc.ContentHash, doc.SizeBytes, doc.SourceModifiedAt, doc.PageCount, doc.Version,
			doc.AccessGroups, string(meta),
		).Scan(&doc.ID, &doc.CreatedAt)
		if err != nil {
			return fmt.Errorf("insert document: %w", err)
		}
		doc.UpdatedAt = doc.CreatedAt
		cc, err := splitChunks(ctx, tx, s.q("CompoundWordFrequencies"), doc.TSConfig, chunks)
		if err != nil {
			return err
		}
		ids, err = insertChunks(ctx, tx, s.q("InsertChunks"), doc.ID, doc.TSConfig, chunks, cc.parts)
		if err != nil {
			return err
		}
		return s.addVocabulary(ctx, tx, doc.ID, cc)
	})
	if err != nil {
		return Document{}, nil, fmt.Errorf("store: insert %s: %w", doc.SourceURI, err)
	}
	return doc, ids, nil
}

// chunkCols are chunks as parallel arrays, the form unnest takes.
type chunkCols struct {
	ordinals, tokens   []int32
	starts, ends       []*int32
	headings, contents []string
}

func chunkColumns(chunks []Chunk) chunkCols {
	n := len(chunks)
	c := chunkCols{ordinals: make([]int32, n), tokens: make([]int32, n), starts: make([]*int32, n),
		ends: make([]*int32, n), headings: make([]string, n), contents: make([]string, n)}
	for i, ch := range chunks {
		c.ordinals[i] = int32(i)
		c.starts[i], c.ends[i] = int32Ptr(ch.PageStart), int32Ptr(ch.PageEnd)
		c.headings[i] = strings.Join(ch.HeadingPath, headingSep)
		c.contents[i] = ch.Content
		c.tokens[i] = int32(ch.TokenCount)
	}
	return c
}

func insertChunks(ctx context.Context, tx pgx.Tx, sql string, docID int64, tsConfig string, chunks []Chunk, parts []string) ([]int64, error) {
	if len(chunks) == 0 {
		return nil, nil
	}
	c := chunkColumns(chunks)
	rows, err := tx.Query(ctx, sql, docID, tsConfig, c.ordinals, c.starts, c.ends, c.headings, c.contents, c.tokens, parts)
	if err != nil {
		return nil, fmt.Errorf("insert %d chunks: %w", len(chunks), err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("insert %d chunks: %w", len(chunks), err)
	}
	return ids, nil
}

func int32Ptr(p *int) *int32 {
	if p == nil {
		return nil
	}
	v := int32(*p)
	return &v
}

// GetDocument returns the document with the given id, or ErrNotFound.
func (s *Store) GetDocument(ctx context.Context, id int64) (Document, error) {
	var d Document
	var meta []byte
	err := s.db.QueryRow(ctx, s.q("GetDocument"), id).Scan(
		&d.ID, &d.Collection, &d.SourceURI, &d.Title, &d.MediaType, &d.Language, &d.TSConfig,
		&d.ContentHash, &d.SizeBytes, &d.SourceModifiedAt, &d.PageCount, &d.Version,
		&d.SupersededBy, &d.AccessGroups, &meta, &d.CreatedAt, &d.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Document{}, fmt.Errorf("store: document %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Document{}, fmt.Errorf("store: get document %d: %w", id, err)
	}
	if err := json.Unmarshal(meta, &d.Metadata); err != nil {
		return Document{}, fmt.Errorf("store: decode metadata of document %d: %w", id, err)
	}
	return d, nil
}

// Chunks returns the chunks of a document in reading order.
func (s *Store) Chunks(ctx context.Context, documentID int64) ([]Chunk, error) {
	rows, err := s.db.Query(ctx, s.q("ListChunks"), documentID)
	if err != nil {
		return nil, fmt.Errorf("store: chunks of document %d: %w", documentID, err)
	}
	chunks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Chunk, error) {
		var c Chunk
		err := r.Scan(&c.ID, &c.DocumentID, &c.Ordinal, &c.PageStart, &c.PageEnd, &c.HeadingPath, &c.Content, &c.TokenCount)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: chunks of document %d: %w", documentID, err)
	}
	return chunks, nil
}

// DeleteDocument removes the document id belongs to: every version of its
// source (whichever version id is), with their chunks and embeddings, and
// returns the source URI, or ErrNotFound. It is the one delete path of
// the library page, the API and the ingest's prune. The deletion is
// recorded in the audit trail (document.deleted, the actor from ctx) in
// the same transaction: one event naming the version asked for and
// listing every version deleted with it.
func (s *Store) DeleteDocument(ctx context.Context, id int64) (string, error) {
	var source string
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		// The event is read while the row still says what it was, and
		// appended last: the chain head's lock is held only for the
		// append, not through the cascade, and taken after the row
		// locks as in WriteVersion (the other order can deadlock).
		ev, err := s.documentEvent(ctx, tx, audit.ActionDocumentDeleted, id, nil)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, s.q("DeleteDocument"), id)
		if err != nil {
			return err
		}
		deleted, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (deletedVersion, error) {
			var v deletedVersion
			return v, r.Scan(&v.ID, &v.Version, &v.SHA256)
		})
		if err != nil {
			return err
		}
		if len(deleted) == 0 {
			return ErrNotFound
		}
		d := ev.Details.(map[string]any) // as documentEvent builds it
		source, _ = d["source"].(string)
		versions := make([]map[string]any, len(deleted))
		for i, v := range deleted {
			versions[i] = map[string]any{"document_id": v.ID, "version": v.Version, "sha256": v.SHA256}
		}
		d["versions"] = versions
		_, err = audit.Append(ctx, tx, ev)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("store: delete document %d: %w", id, err)
	}
	return source, nil
}

// deletedVersion is one version DeleteDocument removed.
type deletedVersion struct {
	ID      int64
	Version int
	SHA256  string
}

// Counts returns how many documents, chunks and embeddings are stored.
func (s *Store) Counts(ctx context.Context) (documents, chunks, embeddings int64, err error) {
	err = s.db.QueryRow(ctx, s.q("CountRows")).Scan(&documents, &chunks, &embeddings)
	if err != nil {
		err = fmt.Errorf("store: count rows: %w", err)
	}
	return
}
