package main

import (
	"context"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/retrieve"
	"github.com/civitas-eu/civitas/internal/store"
)

// documentSource gives the answer service whole documents for "chat with
// these files", through the same visibility rule as everything else: a
// document outside the caller's groups is not found.
type documentSource struct{ st *store.Store }

var _ answer.DocumentSource = documentSource{}

func (d documentSource) DocumentChunks(ctx context.Context, docID int64, groups []string) ([]retrieve.Passage, error) {
	doc, err := d.st.VisibleDocument(ctx, docID, groups)
	if err != nil {
		return nil, err
	}
	chunks, err := d.st.Chunks(ctx, docID)
	if err != nil {
		return nil, err
	}
	out := make([]retrieve.Passage, len(chunks))
	for i, c := range chunks {
		p := retrieve.Passage{ChunkID: c.ID, DocumentID: docID, DocumentVersion: doc.Version, Title: doc.Title,
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
