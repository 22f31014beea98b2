package server

import (
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strconv"

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
// see, from the path it was ingested from: the assistant needs read access
// to the documents folder (compose mounts it read-only).
func (s *Server) getDocumentFile(w http.ResponseWriter, r *http.Request) {
	d, err := s.visibleDocument(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := os.Open(d.SourceURI)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		s.writeError(w, r, errorf(CodeNotFound, "the original file of this document is not available on this server"))
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		s.writeError(w, r, errorf(CodeNotFound, "the original file of this document is not available on this server"))
		return
	}
	w.Header().Set("Content-Type", d.MediaType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": filepath.Base(d.SourceURI)}))
	// A document's HTML must not run in our origin. PDFs are shown by the
	// browser's own viewer, which a sandboxed response would block; they
	// still may not run script in our origin or load anything.
	if d.MediaType == "application/pdf" {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'self'")
	} else {
		w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'self'")
	}
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// visibleDocument loads the document named by the {id} path value if the
// caller may see it; otherwise the error is "not found".
func (s *Server) visibleDocument(r *http.Request) (store.VisibleDocument, error) {
	id, err := pathID(r)
	if err != nil {
		return store.VisibleDocument{}, err
	}
	return s.store.VisibleDocument(r.Context(), id, user(r).Groups)
}
