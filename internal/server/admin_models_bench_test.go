package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/modeladmin"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
	"github.com/civitas-eu/civitas/internal/store"
)

// BenchmarkReembedChatLatency measures what switching the embedding model
// costs: the re-embed's throughput (chunks/s, with the default throttle),
// and the time to the first token of /api/chat while it runs, against the
// same when idle. The re-embed goes to a private copy of the 8-dim shared
// model over extra chunks written for the purpose; the previous model is
// restored afterwards.
//
//	go test -run '^$' -bench ReembedChatLatency -benchtime 1x ./internal/server/
func BenchmarkReembedChatLatency(b *testing.B) {
	ab := setupAdmin(b)
	ctx := context.Background()
	ab.ingestFiles(b, nil, map[string]string{"bewohnerparken.md": parkingDoc})
	var para strings.Builder
	for i := range 400 {
		fmt.Fprintf(&para, "## Abschnitt %d\n\nDie Gebühr für Sondernutzungen im Abschnitt %d beträgt %d Euro im Jahr.\n\n", i, i, 10+i)
	}
	ab.ingestFiles(b, nil, map[string]string{"gebuehren.md": para.String()})

	name := dbtest.UniqueName("civitas-bench-embed-")
	if _, err := ab.llm.ImportGGUF(ctx, name, filepath.Join(ollamatest.ModelsDir(), ollamatest.RandomFile)); err != nil {
		b.Fatal(err)
	}
	_, prev := ab.active.ActiveModels()
	b.Cleanup(func() {
		// The benchmark's chunks would make every later re-embed on this
		// database slower: remove its collection with them.
		if _, err := dbtest.Migrated(b).Exec(ctx, "DELETE FROM collections WHERE name = $1", ab.collection); err != nil {
			b.Errorf("remove collection %s: %v", ab.collection, err)
		}
		if _, err := ab.svc.Reembed(ctx, prev, "bench cleanup", nil); err != nil {
			b.Errorf("restore %s: %v", prev, err)
		}
		if _, err := ab.svc.DropEmbeddings(ctx, name); err != nil && !errors.Is(err, store.ErrNotFound) {
			b.Errorf("drop %s: %v", name, err)
		}
		_ = ab.llm.Delete(ctx, name)
	})

	for b.Loop() {
		idle := make([]time.Duration, 0, 5)
		for range 5 {
			idle = append(idle, firstToken(b, ab.url))
		}
		type outcome struct {
			res modeladmin.ReembedResult
			err error
		}
		done := make(chan outcome, 1)
		go func() {
			res, err := ab.svc.Reembed(ctx, name, "bench", nil)
			done <- outcome{res, err}
		}()
		var busy []time.Duration
		var out outcome
	loop:
		for {
			select {
			case out = <-done:
				break loop
			default:
				busy = append(busy, firstToken(b, ab.url))
			}
		}
		if out.err != nil {
			b.Fatal(out.err)
		}
		rate := float64(out.res.Embedded) / out.res.Duration.Seconds()
		b.ReportMetric(rate, "chunks/s")
		b.ReportMetric(float64(median(idle).Milliseconds()), "ttft-idle-ms")
		b.ReportMetric(float64(median(busy).Milliseconds()), "ttft-reembed-ms")
		b.Logf("re-embedded %d chunks with %s in %s: %.1f chunks/s; time to first token: idle median %s %v, during re-embed median %s over %d requests %v",
			out.res.Embedded, name, out.res.Duration.Round(time.Millisecond), rate, median(idle), idle, median(busy), len(busy), busy)
		// Put the old model back for the next iteration.
		if _, err := ab.svc.Reembed(ctx, prev, "bench", nil); err != nil {
			b.Fatal(err)
		}
		if _, err := ab.store.DropEmbeddings(ctx, name); err != nil {
			b.Fatal(err)
		}
	}
}

// firstToken asks a question and returns the time to its first token
// event.
func firstToken(tb testing.TB, base string) time.Duration {
	tb.Helper()
	raw, _ := json.Marshal(map[string]any{"question": "Was kostet ein Bewohnerparkausweis für zwölf Monate?"})
	req, _ := http.NewRequest("POST", base+"/api/chat", strings.NewReader(string(raw)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-User", "bench")
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var first time.Duration
	for sc.Scan() {
		line := sc.Text()
		if line == "event: token" && first == 0 {
			first = time.Since(start)
		}
		if line == "event: error" {
			tb.Fatalf("chat failed during the benchmark")
		}
	}
	if first == 0 {
		tb.Fatalf("no token streamed (status %d)", resp.StatusCode)
	}
	return first
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
