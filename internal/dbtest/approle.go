package dbtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	pgxvec "github.com/pgvector/pgvector-go/pgx"

	"github.com/civitas-eu/civitas/internal/store"
)

// EnvPGliteServer names the pglite-server binary (`make test` sets it).
// When set, AppRole starts a private PGlite for its test: PGlite serves
// every connection on one session, so a SET ROLE would apply to every
// other test sharing the database.
const EnvPGliteServer = "CIVITAS_PGLITE_SERVER"

// AppRoleDB is a migrated database whose pool runs as the restricted
// application role, as a production server does.
type AppRoleDB struct {
	Role string
	// Pool's every connection runs as Role (SET ROLE in AfterConnect).
	Pool *pgxpool.Pool
}

// AppRole migrates a database as its owner, creates a role granted what
// `assistant migrate --grant-app-role` grants (store.GrantAppRole), and
// returns a pool that runs as that role. seed, if set, runs first as the
// owner (on PGlite the owner's session is the role's afterwards).
//
// With CIVITAS_PGLITE_SERVER set the database is a private PGlite, else a
// schema of its own in the test database (whose server gives each
// connection its own session).
func AppRole(tb testing.TB, seed func(ctx context.Context, owner *pgx.Conn) error) AppRoleDB {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	role := UniqueName("civitas_app_")
	url, schema := URL(tb), ""
	if bin := os.Getenv(EnvPGliteServer); bin != "" {
		url = privatePGlite(tb, bin)
	} else {
		Pool(tb) // the vector extension, in public
		schema = Schema(tb)
	}
	owner, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatalf("connect as owner: %v", err)
	}
	defer owner.Close(context.Background())
	if schema != "" {
		if _, err := owner.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
			tb.Fatal(err)
		}
		if _, err := owner.Exec(ctx, "SET search_path TO "+pgx.Identifier{schema}.Sanitize()+", public"); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := store.Migrate(ctx, owner, store.MigrateOptions{}); err != nil {
		tb.Fatalf("migrate as owner: %v", err)
	}
	if _, err := owner.Exec(ctx, "CREATE ROLE "+pgx.Identifier{role}.Sanitize()+" NOLOGIN"); err != nil {
		tb.Fatalf("create role: %v", err)
	}
	if schema != "" {
		// Revokes what the role was granted, then drops it.
		tb.Cleanup(func() { dropRole(tb, role) })
	}
	if err := store.GrantAppRole(ctx, owner, role); err != nil {
		tb.Fatalf("grant app role: %v", err)
	}
	if seed != nil {
		if err := seed(ctx, owner); err != nil {
			tb.Fatalf("seed as owner: %v", err)
		}
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.MaxConns = 8
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		set := "SET ROLE " + pgx.Identifier{role}.Sanitize()
		if schema != "" {
			set += "; SET search_path TO " + pgx.Identifier{schema}.Sanitize() + ", public"
		}
		if _, err := c.Exec(ctx, set); err != nil {
			return err
		}
		return pgxvec.RegisterTypes(ctx, c)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pool.Close)
	var who string
	if err := pool.QueryRow(ctx, "SELECT current_user").Scan(&who); err != nil || who != role {
		tb.Fatalf("app pool runs as %q (%v), want %s", who, err, role)
	}
	return AppRoleDB{Role: role, Pool: pool}
}

func dropRole(tb testing.TB, role string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id := pgx.Identifier{role}.Sanitize()
	if _, err := Pool(tb).Exec(ctx, "DROP OWNED BY "+id+"; DROP ROLE IF EXISTS "+id); err != nil {
		tb.Errorf("drop role %s: %v", role, err)
	}
}

// privatePGlite starts an in-memory PGlite with pgvector for one test and
// returns its URL; it stops when the test ends.
func privatePGlite(tb testing.TB, bin string) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	var logs strings.Builder
	cmd := exec.Command(bin, "-h", "127.0.0.1", "-p", port, "-e", "@electric-sql/pglite-pgvector:vector", "-m", "64")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", bin, err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	url := fmt.Sprintf("postgres://postgres:postgres@127.0.0.1:%s/postgres?sslmode=disable&default_query_exec_mode=simple_protocol", port)
	deadline := time.Now().Add(90 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, err := pgx.Connect(ctx, url)
		if err == nil {
			_, err = c.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS vector")
			c.Close(ctx)
		}
		cancel()
		if err == nil {
			return url
		}
		if time.Now().After(deadline) {
			tb.Fatalf("private PGlite on port %s did not start: %v\n%s", port, err, logs.String())
		}
		time.Sleep(200 * time.Millisecond) // polling a starting server, with a deadline
	}
}
