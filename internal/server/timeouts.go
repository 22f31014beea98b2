package server

import (
	"io"
	"net/http"
	"time"
)

// The http.Server's own ReadTimeout and WriteTimeout do not fit a server
// of streamed answers: ReadTimeout also expires the connection's read
// deadline while the handler runs, which cancels the request's context and
// so the answer, and WriteTimeout bounds the whole reply, which would cut
// an answer that streams for minutes. The limits are applied per request
// here instead: the body must arrive within Limits.ReadTimeout, and each
// write of the reply (each SSE event) must go out within
// Limits.WriteTimeout of its start.

// limitIO applies the read and write deadlines to one request; it returns
// the writer the handlers write to.
func (s *Server) limitIO(w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	lim := s.cfg.Limits
	rc := http.NewResponseController(w)
	if lim.ReadTimeout > 0 && r.Body != nil && r.Body != http.NoBody {
		_ = rc.SetReadDeadline(time.Now().Add(lim.ReadTimeout)) // ErrNotSupported in tests' recorders
		r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
	}
	if lim.WriteTimeout <= 0 {
		return w
	}
	return &deadlineWriter{ResponseWriter: w, rc: rc, timeout: lim.WriteTimeout}
}

// deadlineBody lifts the read deadline once the body has been read: from
// then on the server only watches for the client going away, which must
// not time out while the answer streams.
type deadlineBody struct {
	io.ReadCloser
	rc *http.ResponseController
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// deadlineWriter sets the write deadline before each write and flush, so
// that a stream of events never times out while a client that stops
// reading is dropped after the timeout.
type deadlineWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	_ = d.rc.SetWriteDeadline(time.Now().Add(d.timeout))
	return d.ResponseWriter.Write(p)
}

func (d *deadlineWriter) Flush() {
	_ = d.rc.SetWriteDeadline(time.Now().Add(d.timeout))
	_ = d.rc.Flush()
}

// Unwrap lets http.ResponseController reach the real writer.
func (d *deadlineWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }

// longUpload gives an upload (a knowledge manager's, authenticated before
// this runs) Limits.UploadTimeout to arrive instead of the read timeout.
func (s *Server) longUpload(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if t := s.cfg.Limits.UploadTimeout; t > 0 {
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(t))
		}
		h(w, r)
	}
}
