package server

import (
	"net/http"
	"sync"
	"time"
)

// Proxies and load balancers cut a connection on which nothing arrives for
// a while (often 60 s), and a question that waits in the answer queue, or
// a small model thinking on a CPU, can be silent longer than that. A
// streamed reply therefore sends a keep-alive every Limits.KeepAlive while
// it is open: an SSE comment, which every SSE client ignores, or a blank
// line in NDJSON, which line readers skip. Each goes through the reply's
// writer, so it moves the per-write deadline (timeouts.go) like any event,
// and a client that stopped reading still times out.

// Keep-alives of the two stream formats.
const (
	sseKeepAlive    = ": keep-alive\n\n"
	ndjsonKeepAlive = "\n"
)

// DefaultKeepAlive is the keep-alive interval when Limits.KeepAlive is 0.
const DefaultKeepAlive = 15 * time.Second

// keptStream is a streamed reply's writer shared by the handler and its
// keep-alive goroutine: a lock makes each Write (one whole event: the
// handlers write an event in one call) and each keep-alive atomic.
type keptStream struct {
	http.ResponseWriter
	rc   *http.ResponseController
	ping []byte

	mu     sync.Mutex
	failed bool // a write failed: the client is gone or too slow
	stop   chan struct{}
	done   chan struct{}
}

// keepAlive starts the keep-alives of a stream whose header is written;
// the handler writes through the returned writer from then on, and calls
// its end before it returns (no write may follow the handler).
func (s *Server) keepAlive(w http.ResponseWriter, ping string) *keptStream {
	k := &keptStream{ResponseWriter: w, rc: http.NewResponseController(w), ping: []byte(ping),
		stop: make(chan struct{}), done: make(chan struct{})}
	interval := s.cfg.Limits.KeepAlive
	if interval <= 0 {
		interval = DefaultKeepAlive
	}
	go k.run(interval)
	return k
}

func (k *keptStream) run(interval time.Duration) {
	defer close(k.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-k.stop:
			return
		case <-t.C:
			k.mu.Lock()
			if !k.failed {
				_, err := k.ResponseWriter.Write(k.ping)
				if err == nil {
					err = k.rc.Flush()
				}
				k.failed = err != nil
			}
			stop := k.failed
			k.mu.Unlock()
			if stop {
				return
			}
		}
	}
}

// end stops the keep-alives and waits for one being written; it may be
// called more than once.
func (k *keptStream) end() {
	k.mu.Lock()
	select {
	case <-k.stop:
	default:
		close(k.stop)
	}
	k.mu.Unlock()
	<-k.done
}

func (k *keptStream) Write(p []byte) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	n, err := k.ResponseWriter.Write(p)
	if err != nil {
		k.failed = true
	}
	return n, err
}

func (k *keptStream) Flush() {
	k.mu.Lock()
	defer k.mu.Unlock()
	_ = k.rc.Flush()
}

// Unwrap lets http.ResponseController reach the real writer.
func (k *keptStream) Unwrap() http.ResponseWriter { return k.ResponseWriter }
