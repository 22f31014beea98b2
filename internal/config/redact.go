package config

import (
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// RedactURL returns an endpoint without its secrets, for logs and
// /readyz: of a PostgreSQL URL or key=value string only the host, port and
// database (a password may hide in the user info, a query parameter or a
// key), of any other URL only scheme, host and path.
func RedactURL(raw string) string {
	if isPostgres(raw) {
		c, err := pgconn.ParseConfig(raw)
		if err != nil {
			return "(unparsable database URL)"
		}
		return "postgres://" + net.JoinHostPort(c.Host, strconv.Itoa(int(c.Port))) + "/" + c.Database
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// isPostgres reports whether raw is a PostgreSQL connection string: a
// postgres:// URL or libpq's key=value form.
func isPostgres(raw string) bool {
	return strings.HasPrefix(raw, "postgres://") || strings.HasPrefix(raw, "postgresql://") ||
		!strings.Contains(raw, "://") && strings.Contains(raw, "=")
}
