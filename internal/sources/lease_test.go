package sources_test

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/sources"
)

// slowLister counts how many of its listings run at once, and holds each
// until released.
type slowLister struct {
	running, most atomic.Int32
	entered       chan struct{}
	release       chan struct{}
}

func (l *slowLister) List(ctx context.Context) ([]sources.Entry, error) {
	n := l.running.Add(1)
	defer l.running.Add(-1)
	for m := l.most.Load(); n > m && !l.most.CompareAndSwap(m, n); m = l.most.Load() {
	}
	l.entered <- struct{}{}
	select {
	case <-l.release:
	case <-ctx.Done():
	}
	return nil, nil
}

func (l *slowLister) Open(context.Context, sources.Entry) (io.ReadCloser, error) {
	return nil, errors.New("no entries")
}

// TestTwoWorkersNeverSyncOneSourceAtOnce: two engines (as two worker
// processes would, each with its own connections) sync the same source at
// the same moment; the second is refused with ErrBusy while the first
// holds the source's lease, and may sync once it is done.
func TestTwoWorkersNeverSyncOneSourceAtOnce(t *testing.T) {
	b := setup(t)
	l := &slowLister{entered: make(chan struct{}, 4), release: make(chan struct{})}
	kinds := map[string]sources.Factory{"slow": func(sources.Config) (sources.Lister, error) { return l, nil }}
	eng := func() *sources.Engine {
		return sources.NewEngine(b.st, sources.EngineConfig{Docs: b.docs, Kinds: kinds, Lease: 3 * time.Second,
			Options: b.engineOptions()}, quiet())
	}
	one, two := eng(), eng()
	src := b.add(t, sources.Source{Kind: "webdav", URL: "http://127.0.0.1:1/"})
	if _, err := b.docs.DB().Exec(context.Background(), "UPDATE sources SET kind = 'slow' WHERE id = $1", src.ID); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	var firstErr error
	wg.Go(func() { _, firstErr = one.Sync(ctx, src.ID, 0) })
	<-l.entered // the first holds the source now
	if _, err := two.Sync(ctx, src.ID, 0); !errors.Is(err, sources.ErrBusy) {
		t.Fatalf("second worker while the first syncs: %v, want ErrBusy", err)
	}
	close(l.release)
	wg.Wait()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	if _, err := two.Sync(ctx, src.ID, 0); err != nil {
		t.Fatalf("second worker after the first finished: %v", err)
	}
	if l.most.Load() != 1 {
		t.Fatalf("%d listings of one source ran at once", l.most.Load())
	}
}
