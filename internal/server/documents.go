package server

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/civitas-eu/civitas/internal/originals"
	"github.com/civitas-eu/civitas/internal/store"
)

// getDocument describes a document the caller may see, with the link to
// its original file; a document outside the caller's groups is not found.
func (s *Server) getDocument(w http.ResponseWriter, r *http.Request) {
	d, err := s.visibleDocument(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{
		"document": d,
		// PDF viewers open "…/file#page=N" at the cited page.
		"file_url": "/api/documents/" + strconv.FormatInt(d.ID, 10) + "/file",
	})
}

// getDocumentFile serves the original file of a document the caller may
// see. Only the current version's file is served, and only with the bytes
// that version was made from: a path holds one file, its newest, and a
// file edited (or swapped) since its ingest is not what the row
// describes, and may carry content under other access groups.
//
// The file comes from the originals store (internal/originals), where
// uploads and cmd/ingest put it and every replica finds it, under the
// version's content hash; the store checks the bytes against that hash,
// and damaged ones are answered 410. A document ingested before the store
// existed (or by a tool that does not fill it) is served from its source
// path, with the same check, if this server can read that path (compose
// mounts the documents folder read-only).
func (s *Server) getDocumentFile(w http.ResponseWriter, r *http.Request) {
	d, err := s.visibleDocument(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !d.Current() {
		s.writeError(w, r, errorf(CodeGone, "this is an earlier version of the document; only the current version's file is kept"))
		return
	}
	if s.originals != nil {
		// Copied to a temporary file, checked on the way: a damaged
		// original is found before anything is sent, and range requests
		// of PDF viewers are served from the copy.
		f, err := originals.Spool(r.Context(), s.originals, d.ContentHash, "")
		switch {
		case err == nil:
			defer func() {
				f.Close()
				os.Remove(f.Name())
			}()
			s.serveDocumentFile(w, r, d, f, time.Time{})
			return
		case errors.Is(err, originals.ErrCorrupt):
			s.log.Warn("document original does not match its hash", "document", d.ID, "err", err)
			s.writeError(w, r, errorf(CodeGone, "the stored file of this document is damaged; it is served again once it is re-uploaded or re-ingested"))
			return
		case !errors.Is(err, originals.ErrNotFound):
			s.writeError(w, r, err)
			return
		}
	}
	f, err := openSourceFile(d.SourceURI)
	if err != nil {
		s.log.Info("document file not served", "document", d.ID, "err", err)
		s.writeError(w, r, errorf(CodeNotFound, "the original file of this document is not available on this server"))
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		s.writeError(w, r, errorf(CodeNotFound, "the original file of this document is not available on this server"))
		return
	}
	if same, err := s.fileHashes.matches(f, d.SourceURI, st, d.ContentHash); err != nil {
		s.writeError(w, r, err)
		return
	} else if !same {
		s.writeError(w, r, errorf(CodeGone, "the file on the server has changed since this version was ingested; it is served again once it is re-ingested"))
		return
	}
	s.serveDocumentFile(w, r, d, f, st.ModTime())
}

// serveDocumentFile sends a document's checked file f.
func (s *Server) serveDocumentFile(w http.ResponseWriter, r *http.Request, d store.VisibleDocument, f *os.File, modTime time.Time) {
	w.Header().Set("Content-Type", d.MediaType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": d.Source}))
	// A document's HTML must not run in our origin. PDFs are shown by the
	// browser's own viewer, which a sandboxed response would block; they
	// still may not run script in our origin or load anything.
	if d.MediaType == "application/pdf" {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'self'")
	} else {
		w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'self'")
	}
	http.ServeContent(w, r, "", modTime, f)
}

// openSourceFile opens a document's file inside its own folder: a symlink
// in its place that leads out of that folder is refused, not followed.
func openSourceFile(path string) (*os.File, error) {
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("source %q is not an absolute path", path)
	}
	return os.OpenInRoot(filepath.Dir(path), filepath.Base(path))
}

// visibleDocument loads the document named by the {id} path value if the
// caller may see it; otherwise the error is "not found". Only current
// versions are visible, except that knowledge managers (the configured
// role group, never the default name), who see the version history in the
// library, may look at an earlier version's record (never its file). That
// record is not filtered by the version's own access groups: a knowledge
// manager is trusted with the whole library, whose listing and version
// history already show every document's metadata whatever its groups.
func (s *Server) visibleDocument(r *http.Request) (store.VisibleDocument, error) {
	id, err := pathID(r)
	if err != nil {
		return store.VisibleDocument{}, err
	}
	u := user(r)
	d, err := s.store.VisibleDocument(r.Context(), id, u.Groups)
	if errors.Is(err, store.ErrNotFound) && u.InGroup(s.roles.KnowledgeManager) {
		if old, oerr := s.store.AnyDocumentVersion(r.Context(), id); oerr == nil && !old.Current() {
			return old, nil
		}
	}
	return d, err
}
