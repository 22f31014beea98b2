package deploy_test

import (
	"context"
	"errors"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// compose runs with two database roles: the owner (POSTGRES_USER) for the
// migrate service only, and the app role the db service's init script
// creates, which the servers, the worker and ingest connect as.
const (
	composeAppRole  = "civitas_app"
	composeInitDir  = "../../deploy/compose/initdb"
	composeInitFile = composeInitDir + "/10-civitas-app-role.sh"
)

// initSQL returns the SQL the init script hands psql (its heredoc), with
// psql's :'app_password' and :"db" filled in for the database db.
func initSQL(t *testing.T, password, db string) string {
	t.Helper()
	data, err := os.ReadFile(composeInitFile)
	if err != nil {
		t.Fatalf("read the db init script: %v", err)
	}
	_, body, ok := strings.Cut(string(data), "<<'SQL'\n")
	if ok {
		body, _, ok = strings.Cut(body, "\nSQL\n")
	}
	if !ok {
		t.Fatalf("%s: no psql heredoc <<'SQL' ... SQL", composeInitFile)
	}
	lit := "'" + strings.ReplaceAll(password, "'", "''") + "'"
	return strings.NewReplacer(":'app_password'", lit, `:"db"`, pgx.Identifier{db}.Sanitize()).Replace(body)
}

// createComposeAppRole runs the db init script's SQL in the test database,
// as the entrypoint of the PostgreSQL image does on an empty volume, and
// drops the role (and what migrate granted it) when the test ends.
func createComposeAppRole(t *testing.T, dbURL, password string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	drop := func(ctx context.Context, c *pgx.Conn) error {
		var exists bool
		if err := c.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", composeAppRole).Scan(&exists); err != nil || !exists {
			return err
		}
		id := pgx.Identifier{composeAppRole}.Sanitize()
		_, err := c.Exec(ctx, "DROP OWNED BY "+id+"; DROP ROLE "+id)
		return err
	}
	if err := drop(ctx, conn); err != nil { // left over from an interrupted run
		t.Fatalf("drop a left-over %s: %v", composeAppRole, err)
	}
	var db string
	if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&db); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, initSQL(t, password, db)); err != nil {
		t.Fatalf("the db init script's SQL: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			t.Errorf("cleanup: %v", err)
			return
		}
		defer c.Close(ctx)
		if err := drop(ctx, c); err != nil {
			t.Errorf("cleanup: drop %s: %v", composeAppRole, err)
		}
	})
}

// checkAppRoleGrants: after the migrate service, the app role may write
// rows but not rewrite the audit trail or the migration history (what
// --grant-app-role grants, queries/grants.sql).
func checkAppRoleGrants(t *testing.T, dbURL string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, tc := range []struct {
		table, privilege string
		want             bool
	}{
		{"documents", "INSERT", true},
		{"jobs", "UPDATE", true},
		{"audit_log", "INSERT", true},
		{"audit_log", "UPDATE", false},
		{"schema_migrations", "INSERT", false},
	} {
		var got bool
		if err := conn.QueryRow(ctx, "SELECT has_table_privilege($1, $2, $3)", composeAppRole, tc.table, tc.privilege).Scan(&got); err != nil {
			t.Fatalf("has_table_privilege(%s, %s): %v", tc.table, tc.privilege, err)
		}
		if got != tc.want {
			t.Errorf("after the migrate service, %s has %s on %s: %v, want %v", composeAppRole, tc.privilege, tc.table, got, tc.want)
		}
	}
}

// TestComposeTwoDatabaseRoles: the db service creates the app role from a
// required password at its first start, migrate (alone) connects as the
// owner and grants the app role its rights, and every other Civitas
// container connects as the app role.
func TestComposeTwoDatabaseRoles(t *testing.T) {
	t.Parallel()
	f := loadCompose(t)
	vars := envExample(t)
	vars["POSTGRES_PASSWORD"] = "0123456789abcdef"
	vars["POSTGRES_APP_PASSWORD"] = "fedcba9876543210"

	db := mustService(t, f, "db")
	mounted := false
	for _, m := range db.Volumes {
		source, target, mode := mountParts(t, m)
		if source == "./deploy/compose/initdb" && target == "/docker-entrypoint-initdb.d" && mode == "ro" {
			mounted = true
		}
	}
	if !mounted {
		t.Errorf("service db: volumes %q, want ./deploy/compose/initdb mounted read-only at /docker-entrypoint-initdb.d", db.Volumes)
	}
	if fi, err := os.Stat(composeInitFile); err != nil || fi.Mode()&0o111 == 0 {
		t.Errorf("%s: %v, mode %v: want an executable script (the image sources others into its own shell)", composeInitFile, err, fi)
	}
	if sql := initSQL(t, "pw", "civitas"); !strings.Contains(sql, "CREATE ROLE "+composeAppRole+" LOGIN") {
		t.Errorf("the db init script does not create the login role %s:\n%s", composeAppRole, sql)
	}

	if mig := mustService(t, f, "migrate").Command; !slices.Equal(mig, []string{"assistant", "migrate", "--grant-app-role", composeAppRole}) {
		t.Errorf("service migrate: command %q, want assistant migrate --grant-app-role %s", mig, composeAppRole)
	}
	for _, tc := range []struct{ service, user, password string }{
		{"migrate", "civitas", vars["POSTGRES_PASSWORD"]},
		{"assistant", composeAppRole, vars["POSTGRES_APP_PASSWORD"]},
		{"worker", composeAppRole, vars["POSTGRES_APP_PASSWORD"]},
		{"ingest", composeAppRole, vars["POSTGRES_APP_PASSWORD"]},
	} {
		env, err := containerEnv(t, tc.service, vars)
		if err != nil {
			t.Fatalf("service %s: %v", tc.service, err)
		}
		u, err := url.Parse(env["CIVITAS_DATABASE_URL"])
		if err != nil {
			t.Fatalf("service %s: CIVITAS_DATABASE_URL: %v", tc.service, err)
		}
		if pw, _ := u.User.Password(); u.User.Username() != tc.user || pw != tc.password {
			t.Errorf("service %s connects as %q, want %s with its password", tc.service, u.User.Username(), tc.user)
		}
	}

	// No app password: compose refuses, naming it, before starting anything.
	delete(vars, "POSTGRES_APP_PASSWORD")
	for _, service := range []string{"assistant", "worker", "ingest"} {
		if _, err := containerEnv(t, service, vars); !errors.Is(err, errRequired) || !strings.Contains(err.Error(), "POSTGRES_APP_PASSWORD") {
			t.Errorf("service %s without POSTGRES_APP_PASSWORD: %v, want a refusal naming it", service, err)
		}
	}
	if db.Environment["POSTGRES_APP_PASSWORD"] == "" {
		t.Error("service db: POSTGRES_APP_PASSWORD is not passed to the init script")
	}
	for k, raw := range db.Environment {
		if _, err := interpolate(raw, vars); k == "POSTGRES_APP_PASSWORD" && !errors.Is(err, errRequired) {
			t.Errorf("service db: %s without a value: %v, want compose's refusal", k, err)
		}
	}
}
