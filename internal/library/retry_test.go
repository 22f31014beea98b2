package library_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/ingest"
	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/library"
)

// TestRetryIngestsItsOwnBytes: an upload whose worker stopped mid-job is
// run again after another upload of the same name has been stored; the
// retry ingests the bytes it was given, not the other upload's, and
// leaves them as the document's file.
func TestRetryIngestsItsOwnBytes(t *testing.T) {
	e := newEnv(t)
	coll := dbtest.UniqueName("lib-")
	ctx := context.Background()
	mine := makePDF(t, "Friedhofssatzung", "Die Grabnutzungsgebühr beträgt 800 Euro für zwanzig Jahre.")
	other := makePDF(t, "Friedhofssatzung", "Die Grabnutzungsgebühr beträgt 950 Euro für fünfundzwanzig Jahre.")

	block := newGate(e.emb, true) // never released: the worker stops while it waits
	a := e.worker(t, "a", block)
	va := upload(t, a.lib, coll, "friedhof.pdf", mine)
	waitEntered(t, block.entered)
	a.stop()
	// Held back until the other upload is stored.
	if _, err := e.pool.Exec(ctx, `UPDATE jobs SET run_after = now() + interval '1 hour' WHERE id = $1`, va.ID); err != nil {
		t.Fatal(err)
	}

	b := e.worker(t, "b", e.emb)
	vb := upload(t, b.lib, coll, "friedhof.pdf", other)
	if j := waitJob(t, b.queue, vb.ID); j.Status != jobs.StatusDone {
		t.Fatalf("other upload: %s %s", j.Status, j.Error)
	}
	if _, err := e.pool.Exec(ctx, `UPDATE jobs SET run_after = now() WHERE id = $1`, va.ID); err != nil {
		t.Fatal(err)
	}
	j := waitJob(t, b.queue, va.ID)
	var res library.Result
	if err := json.Unmarshal(j.Result, &res); err != nil || j.Status != jobs.StatusDone || res.Outcome != ingest.StatusUpdated {
		t.Fatalf("retried job: %s %q, result %s; want done with a new version", j.Status, j.Error, j.Result)
	}
	vs, err := b.lib.Versions(ctx, res.DocumentID)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(mine); len(vs) != 2 || !vs[0].Current || vs[0].SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("versions %+v; want 2, the retried upload's bytes current", vs)
	}
	if !hasOriginal(t, e, sha256Hex(mine)) {
		t.Fatal("the retried upload's file is not in the store")
	}
}
