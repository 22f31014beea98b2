package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/store"
)

// Error is an error meant for the client: a code from a small set and a
// message that is safe to show. Anything that is not an *Error is internal
// and the client sees only "internal error".
type Error struct {
	Code    string // one of the Code* constants
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Codes of client-facing errors.
const (
	CodeInvalid         = "invalid"
	CodeUnauthenticated = "unauthenticated"
	CodeForbidden       = "forbidden"
	CodeNotFound        = "not_found"
	CodeMisdirected     = "misdirected"
	CodeGone            = "gone" // the resource existed but is no longer served
	CodeUnavailable     = "unavailable"
	CodeInternal        = "internal"
)

var codeStatus = map[string]int{
	CodeInvalid:         http.StatusBadRequest,
	CodeUnauthenticated: http.StatusUnauthorized,
	CodeForbidden:       http.StatusForbidden,
	CodeNotFound:        http.StatusNotFound,
	CodeMisdirected:     http.StatusMisdirectedRequest,
	CodeGone:            http.StatusGone,
	CodeRateLimited:     http.StatusTooManyRequests,
	CodeUnavailable:     http.StatusServiceUnavailable,
	CodeInternal:        http.StatusInternalServerError,
}

func errorf(code, msg string) *Error { return &Error{Code: code, Message: msg} }

// clientError maps err to what the client may see; known sentinel errors
// of lower layers get their proper code.
func clientError(err error) *Error {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, store.ErrNotFound):
		return errorf(CodeNotFound, "not found")
	case errors.Is(err, auth.ErrUnauthenticated):
		return errorf(CodeUnauthenticated, "authentication required")
	case errors.Is(err, context.DeadlineExceeded):
		return errorf(CodeUnavailable, "the request took too long")
	case isEncodingError(err):
		return errorf(CodeInvalid, "the request contains characters that cannot be stored (a NUL byte or invalid UTF-8)")
	case backendDown(err):
		return errorf(CodeUnavailable, "the database or model server does not answer; try again shortly")
	default:
		return errorf(CodeInternal, "internal error")
	}
}

// writeError is the one place that turns an error into an HTTP reply. It
// logs internal errors (once, here) and never sends their text. Under
// /v1/ the reply takes OpenAI's error shape (openai_errors.go).
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	ce := clientError(err)
	status := codeStatus[ce.Code]
	var le *limitError
	switch {
	case errors.As(err, &le):
		w.Header().Set("Retry-After", retryAfterSeconds(le.RetryAfter()))
	case status == http.StatusServiceUnavailable:
		// Every 503 says when to ask again: a database outage, a timeout,
		// a feature not configured on this server.
		w.Header().Set("Retry-After", retryAfterSeconds(unavailableRetryAfter))
	}
	if status >= 500 && !errors.Is(err, context.Canceled) {
		s.log.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
	}
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		s.logDenied(r, status, err)
	}
	if isOpenAI(r) {
		writeJSON(w, r, status, openAIError(err, ce))
		return
	}
	writeJSON(w, r, status, map[string]any{"error": map[string]string{"code": ce.Code, "message": ce.Message}})
}

// isEncodingError reports whether PostgreSQL refused text the client sent
// for its characters: 22021 character_not_in_repertoire (a NUL byte,
// invalid UTF-8) or 22P05 untranslatable_character. Whatever field
// slipped past validation, that is the client's input, not our failure.
func isEncodingError(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "22021" || pe.Code == "22P05")
}

// unavailableRetryAfter is the Retry-After of a 503 that no limit timed.
const unavailableRetryAfter = 5 * time.Second

// backendDown reports whether err says the database (or another service
// over the network) cannot be reached, rather than that a request failed:
// a connection refused or broken, the server shutting down or refusing
// connections (SQLSTATE class 08, 57P01-57P03), a network
// timeout. Such a failure is a 503 with Retry-After, never a 500.
func backendDown(err error) bool {
	var ce *pgconn.ConnectError
	var pe *pgconn.PgError
	var ne net.Error
	switch {
	case errors.As(err, &ce), pgconn.Timeout(err):
		return true
	case errors.As(err, &pe):
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	case errors.As(err, &ne), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
		return true
	}
	return false
}
