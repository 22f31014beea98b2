package server

import (
	"net/http"
	"time"
)

// The http.Server's WriteTimeout bounds the whole reply, which would cut
// an answer that streams for minutes. The server moves the write deadline
// forward before each write instead (each SSE event, each piece of a
// download), so Limits.WriteTimeout bounds one write: a client that stops
// reading is dropped, a stream that keeps going is not. cmd/assistant sets
// the same value as the http.Server's WriteTimeout, as a backstop for a
// reply that never writes.

// writeDeadlines returns the writer the handlers write to.
func (s *Server) writeDeadlines(w http.ResponseWriter) http.ResponseWriter {
	if s.cfg.Limits.WriteTimeout <= 0 {
		return w
	}
	return &deadlineWriter{ResponseWriter: w, rc: http.NewResponseController(w), timeout: s.cfg.Limits.WriteTimeout}
}

// deadlineWriter sets the write deadline before each write and flush.
// Setting it fails (ErrNotSupported) only on writers without a connection,
// as in tests' recorders, which have nothing to time out.
type deadlineWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

func (d *deadlineWriter) extend() { _ = d.rc.SetWriteDeadline(time.Now().Add(d.timeout)) }

func (d *deadlineWriter) Write(p []byte) (int, error) {
	d.extend()
	return d.ResponseWriter.Write(p)
}

// WriteHeader moves the deadline too: a handler that only sets a status
// after a long wait (204) has its header written when it returns.
func (d *deadlineWriter) WriteHeader(code int) {
	d.extend()
	d.ResponseWriter.WriteHeader(code)
}

func (d *deadlineWriter) Flush() {
	d.extend()
	_ = d.rc.Flush()
}

// Unwrap lets http.ResponseController reach the real writer.
func (d *deadlineWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }

// longUpload gives an upload (a knowledge manager's, authenticated before
// this runs) Limits.UploadTimeout to arrive instead of the http.Server's
// ReadTimeout, which is meant for questions and forms.
func (s *Server) longUpload(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if t := s.cfg.Limits.UploadTimeout; t > 0 {
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(t))
		}
		h(w, r)
	}
}
