package sources_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/sources"
)

// TestDueSyncQueuedOnceAcrossSchedulers: several processes look for due
// syncs at the same moment; a due source gets one job, its next run moves
// ahead, and a source not due or disabled gets none.
func TestDueSyncQueuedOnceAcrossSchedulers(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	pool := dbtest.Migrated(t)
	due := b.add(t, sources.Source{Kind: "webdav", URL: "http://127.0.0.1:1/", EverySecs: 3600})
	later := b.add(t, sources.Source{Kind: "webdav", URL: "http://127.0.0.1:1/", EverySecs: 3600})
	off := b.add(t, sources.Source{Kind: "webdav", URL: "http://127.0.0.1:1/", EverySecs: 3600})
	for _, q := range []struct {
		id  int64
		sql string
	}{
		{due.ID, "UPDATE sources SET next_run_at = now() - interval '1 minute' WHERE id = $1"},
		{later.ID, "UPDATE sources SET next_run_at = now() + interval '1 hour' WHERE id = $1"},
		{off.ID, "UPDATE sources SET next_run_at = now() - interval '1 minute', enabled = false WHERE id = $1"},
	} {
		if _, err := pool.Exec(ctx, q.sql, q.id); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_, _ = pool.Exec(context.Background(), "DELETE FROM jobs WHERE kind = $1 AND args->>'source_id' = ANY($2)", sources.JobKind,
			[]string{strconv.FormatInt(due.ID, 10), strconv.FormatInt(later.ID, 10), strconv.FormatInt(off.ID, 10)})
	})
	var wg sync.WaitGroup
	for range 4 {
		q, err := jobs.New(pool, quiet(), jobs.Config{})
		if err != nil {
			t.Fatal(err)
		}
		eng := sources.NewEngine(b.st, sources.EngineConfig{Docs: b.docs}, quiet())
		wg.Go(func() {
			if _, err := eng.EnqueueDue(ctx, q); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, tc := range []struct {
		name string
		id   int64
		want int
	}{{"due", due.ID, 1}, {"not due", later.ID, 0}, {"disabled", off.ID, 0}} {
		var n int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM jobs WHERE kind = $1 AND args->>'source_id' = $2", sources.JobKind,
			strconv.FormatInt(tc.id, 10)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != tc.want {
			t.Errorf("%s source: %d jobs, want %d", tc.name, n, tc.want)
		}
	}
}
