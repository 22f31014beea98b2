package server

import (
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestEncodingErrorsAreInvalid: text PostgreSQL refuses for its
// characters (a NUL byte, invalid UTF-8: SQLSTATE 22021, 22P05) came from
// the client, whatever field carried it: 400, not 500 (finding F3).
func TestEncodingErrorsAreInvalid(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]string{"22021": CodeInvalid, "22P05": CodeInvalid, "23505": CodeInternal} {
		err := fmt.Errorf("store: insert: %w", &pgconn.PgError{Code: code, Message: "invalid byte sequence"})
		if got := clientError(err); got.Code != want {
			t.Errorf("SQLSTATE %s: %s, want %s", code, got.Code, want)
		}
	}
}
