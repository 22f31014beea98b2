package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/civitas-eu/civitas/internal/ingest"
	"github.com/civitas-eu/civitas/internal/originals"
	"github.com/civitas-eu/civitas/internal/store"
)

// keepOriginals puts the file of every current document the run wrote or
// found unchanged into the originals store, where every assistant replica
// opens it for citations, whether or not it mounts the documents folder.
// Content stored already (by an upload, an earlier run, or another ingest
// process running beside this one) is not sent again. A file changed
// between its ingest and now is not stored under the version's hash; its
// next run ingests and stores the new content.
func keepOriginals(ctx context.Context, st *store.Store, orig originals.Store, rep *ingest.Report, log *slog.Logger) (int, error) {
	stored := 0
	var errs []error
	for _, f := range rep.Files {
		if f.DocumentID == 0 {
			continue
		}
		d, err := st.GetDocument(ctx, f.DocumentID)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.Path, err))
			continue
		}
		if ok, err := orig.Has(ctx, d.ContentHash); err != nil || ok {
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", f.Path, err))
			}
			continue
		}
		ref, err := putFile(ctx, orig, f.Path)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.Path, err))
			continue
		}
		if !bytes.Equal(ref.Hash, d.ContentHash) {
			log.Warn("file changed since its ingest; its original is stored by the next run", "path", f.Path)
			if _, err := orig.Release(ctx, ref.Hash); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", f.Path, err))
			}
			continue
		}
		stored++
	}
	if err := errors.Join(errs...); err != nil {
		return stored, fmt.Errorf("store originals (--originals): %w", err)
	}
	return stored, nil
}

func putFile(ctx context.Context, orig originals.Store, path string) (originals.Ref, error) {
	f, err := os.Open(path)
	if err != nil {
		return originals.Ref{}, err
	}
	defer f.Close()
	return orig.Put(ctx, f)
}
