package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"strings"

	"github.com/civitas-eu/civitas/internal/library"
)

// Library is the document library behind the knowledge managers' page;
// *library.Service implements it. Its methods return store.ErrNotFound
// for an unknown document and a *library.InputError for a request the
// user must change.
type Library interface {
	Receive(name string, r io.Reader) (library.Incoming, error)
	Discard(files []library.Incoming)
	Enqueue(ctx context.Context, u library.Upload, files []library.Incoming) ([]library.JobView, error)
	List(ctx context.Context, collection string) (library.Listing, error)
	Versions(ctx context.Context, id int64) ([]library.VersionView, error)
	Reingest(ctx context.Context, id int64, user string) (library.JobView, error)
	Delete(ctx context.Context, id int64) error
}

var _ Library = (*library.Service)(nil)

// maxUploadFiles bounds the files of one upload request.
const maxUploadFiles = 200

// libraryError gives the library's input errors their client code.
func libraryError(err error) error {
	var ie *library.InputError
	if errors.As(err, &ie) {
		return errorf(CodeInvalid, ie.Error())
	}
	return err
}

// listLibrary lists the collections, the documents of ?collection= (all
// when absent) and the recent upload and re-ingest jobs.
func (s *Server) listLibrary(w http.ResponseWriter, r *http.Request) {
	l, err := s.library.List(r.Context(), strings.TrimSpace(r.URL.Query().Get("collection")))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, l)
}

// uploadDocuments receives multipart/form-data with "collection",
// "groups" (comma-separated) and one or more "file" parts, in any order.
// Each file is streamed to disk as it arrives; each accepted file becomes
// a queued job, and a refused one (too large, empty, unsupported content)
// a failed job with the reason, without stopping the others. It answers
// 202 before any file is ingested.
func (s *Server) uploadDocuments(w http.ResponseWriter, r *http.Request) {
	if s.cfg.MaxUploadRequestBytes > 0 {
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadRequestBytes)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		s.writeError(w, r, errorf(CodeInvalid, "send the files as multipart/form-data"))
		return
	}
	var files []library.Incoming
	queued := 0
	defer func() { s.library.Discard(files[queued:]) }()
	var collection, groups string
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			s.writeError(w, r, s.uploadReadError(err))
			return
		}
		switch p.FormName() {
		case "collection":
			collection, err = formValue(p, 1024)
		case "groups":
			groups, err = formValue(p, 16<<10)
		case "file":
			if len(files) == maxUploadFiles {
				err = errorf(CodeInvalid, fmt.Sprintf("file: at most %d files per upload", maxUploadFiles))
				break
			}
			var in library.Incoming
			in, err = s.library.Receive(p.FileName(), p)
			if err == nil {
				files = append(files, in)
			}
		}
		p.Close()
		if err != nil {
			s.writeError(w, r, s.uploadReadError(err))
			return
		}
	}
	if len(files) == 0 {
		s.writeError(w, r, errorf(CodeInvalid, "file: choose at least one file to upload"))
		return
	}
	gs, err := library.ParseGroups(groups)
	if err != nil {
		s.writeError(w, r, libraryError(err))
		return
	}
	views, err := s.library.Enqueue(r.Context(), library.Upload{Collection: strings.TrimSpace(collection), Groups: gs, User: user(r).Name}, files)
	queued = len(views)
	if err != nil {
		s.writeError(w, r, libraryError(err))
		return
	}
	writeJSON(w, r, http.StatusAccepted, map[string]any{"jobs": views})
}

// uploadReadError words a failure to read the request: too large for the
// request limit, or broken off.
func (s *Server) uploadReadError(err error) error {
	var tooLarge *http.MaxBytesError
	var ce *Error
	switch {
	case errors.As(err, &ce):
		return ce
	case errors.As(err, &tooLarge):
		return errorf(CodeInvalid, fmt.Sprintf("the upload is larger than the limit of %d MiB per request; send fewer files at once", tooLarge.Limit>>20))
	case strings.Contains(err.Error(), "multipart"), errors.As(err, new(textproto.ProtocolError)), errors.Is(err, io.ErrUnexpectedEOF):
		// A part header that is no MIME header, a body cut short: the
		// client's malformed request (schemathesis found it a 500).
		return errorf(CodeInvalid, "the multipart/form-data body is malformed")
	}
	return err
}

// formValue reads a small form field, refusing one longer than limit.
func formValue(r io.Reader, limit int64) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return "", err
	}
	if int64(len(b)) > limit {
		return "", errorf(CodeInvalid, "a form field is too long")
	}
	return string(b), nil
}

func (s *Server) documentVersions(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	vs, err := s.library.Versions(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"versions": vs})
}

func (s *Server) reingestDocument(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	j, err := s.library.Reingest(r.Context(), id, user(r).Name)
	if err != nil {
		s.writeError(w, r, libraryError(err))
		return
	}
	writeJSON(w, r, http.StatusAccepted, map[string]any{"job": j})
}

func (s *Server) deleteDocument(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.library.Delete(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
