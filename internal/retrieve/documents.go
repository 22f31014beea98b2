package retrieve

import (
	"context"

	"github.com/civitas-eu/civitas/internal/store"
)

// Documents gives the answer service whole documents for "chat with these
// files" (it implements answer.DocumentSource), through the same
// visibility rule as everything else: a document outside the caller's
// groups is not found.
type Documents struct{ st *store.Store }

// NewDocuments returns the Documents of st.
func NewDocuments(st *store.Store) Documents { return Documents{st: st} }

// DocumentChunks returns the chunks of document docID as passages, in the
// store's order, when a caller in groups may see it; the store's not-found
// error when the caller may not, as when it does not exist.
func (d Documents) DocumentChunks(ctx context.Context, docID int64, groups []string) ([]Passage, error) {
	doc, err := d.st.VisibleDocument(ctx, docID, groups)
	if err != nil {
		return nil, err
	}
	chunks, err := d.st.Chunks(ctx, docID)
	if err != nil {
		return nil, err
	}
	out := make([]Passage, len(chunks))
	for i, c := range chunks {
		p := Passage{ChunkID: c.ID, DocumentID: docID, DocumentVersion: doc.Version, Title: doc.Title,
			SourceURI: doc.SourceURI, MediaType: doc.MediaType, HeadingPath: c.HeadingPath, Text: c.Content, Ordinal: c.Ordinal}
		if c.PageStart != nil {
			p.PageStart = *c.PageStart
		}
		if c.PageEnd != nil {
			p.PageEnd = *c.PageEnd
		}
		out[i] = p
	}
	return out, nil
}
