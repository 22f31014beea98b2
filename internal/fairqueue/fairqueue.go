// Package fairqueue bounds how many generations run on a chat backend at
// once and serves the questions that wait in turns by user: first come
// first served within one user, round-robin between users, so that one
// user's burst of questions cannot starve everyone else. The next turn
// goes to the waiting user served least recently (a user whose question
// is running has just had a turn; one new to the queue none), which is
// round-robin that counts the generations already running.
//
// The bound is the backend's own parallelism (Ollama answers
// OLLAMA_NUM_PARALLEL requests at once, by default one; a vLLM server its
// batch): asking for more only makes the backend queue them unseen. A
// Queue wraps the answer service's Generator (Wrap); the user and what a
// waiting caller wants to hear come with the request's context
// (WithWaiter), so the chat model's interface stays as it is.
package fairqueue

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Config tunes a Queue.
type Config struct {
	// Name labels the queue's metrics ("chat").
	Name string
	// Parallel is how many generations run at once; default 1.
	Parallel int
}

// Waiter is what a caller tells the queue through its context.
type Waiter struct {
	// User is whose turn the request takes; "" is a user like any other.
	User string
	// Ahead, when set, is called while the request waits: once when it
	// starts waiting and again whenever the number of requests to be
	// served before it changes. It runs on the caller's goroutine.
	Ahead func(n int)
	// Admitted, when set, is called once the request may run, with how
	// long it waited (0 when it ran at once).
	Admitted func(waited time.Duration)
}

type waiterKey struct{}

// WithWaiter returns ctx carrying w for the Acquire calls made with it.
func WithWaiter(ctx context.Context, w Waiter) context.Context {
	return context.WithValue(ctx, waiterKey{}, w)
}

func waiterFrom(ctx context.Context) Waiter {
	w, _ := ctx.Value(waiterKey{}).(Waiter)
	return w
}

// Queue admits generations to one backend. It is safe for concurrent use.
type Queue struct {
	limit int

	mu      sync.Mutex
	running int
	users   map[string][]*ticket // waiting, first come first, per user
	order   []string             // users with waiting tickets, by arrival: ties go to the first
	waiting int
	// served is the turn number of each user's last grant, for users
	// with a generation running or waiting; seq the last turn's number.
	served map[string]uint64
	busy   map[string]int // generations running per user
	seq    uint64

	length  prometheus.Gauge
	active  prometheus.Gauge
	waitFor prometheus.Histogram
}

type ticket struct {
	user  string
	ready chan struct{} // closed when the slot is granted
	moved chan struct{} // signalled when the queue changed
}

// New returns an empty Queue.
func New(cfg Config) *Queue {
	if cfg.Parallel <= 0 {
		cfg.Parallel = 1
	}
	if cfg.Name == "" {
		cfg.Name = "chat"
	}
	labels := prometheus.Labels{"backend": cfg.Name}
	return &Queue{
		limit: cfg.Parallel, users: map[string][]*ticket{}, served: map[string]uint64{}, busy: map[string]int{},
		length: prometheus.NewGauge(prometheus.GaugeOpts{Name: "civitas_generation_queue_length",
			Help: "Generations waiting for the backend, all users together.", ConstLabels: labels}),
		active: prometheus.NewGauge(prometheus.GaugeOpts{Name: "civitas_generations_running",
			Help: "Generations running on the backend.", ConstLabels: labels}),
		waitFor: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "civitas_generation_queue_wait_seconds",
			Help: "Time generations waited for the backend (0 for those that ran at once).", ConstLabels: labels,
			Buckets: []float64{0.001, 0.01, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300}}),
	}
}

// Collectors are the queue's Prometheus series, for the server's registry.
func (q *Queue) Collectors() []prometheus.Collector {
	return []prometheus.Collector{q.length, q.active, q.waitFor}
}

// Waiting returns how many requests wait now.
func (q *Queue) Waiting() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.waiting
}

// Acquire waits for a generation slot, in the turn of ctx's Waiter's
// user, and returns the function that gives it back (safe to call more
// than once). It fails only when ctx ends first.
func (q *Queue) Acquire(ctx context.Context) (release func(), err error) {
	w := waiterFrom(ctx)
	start := time.Now()
	q.mu.Lock()
	if q.running < q.limit && q.waiting == 0 {
		q.grant(w.User)
		q.mu.Unlock()
		q.admitted(w, 0)
		return q.releaser(w.User), nil
	}
	t := &ticket{user: w.User, ready: make(chan struct{}), moved: make(chan struct{}, 1)}
	if len(q.users[t.user]) == 0 {
		q.order = append(q.order, t.user)
	}
	q.users[t.user] = append(q.users[t.user], t)
	q.waiting++
	q.length.Inc()
	q.mu.Unlock()

	told := -1
	for {
		if w.Ahead != nil {
			if n, ok := q.ahead(t); ok && n != told {
				told = n
				w.Ahead(n)
			}
		}
		select {
		case <-t.ready:
			q.admitted(w, time.Since(start))
			return q.releaser(w.User), nil
		case <-t.moved:
		case <-ctx.Done():
			if q.leave(t) {
				q.releaser(w.User)() // granted meanwhile: pass the slot on
			}
			return nil, ctx.Err()
		}
	}
}

func (q *Queue) admitted(w Waiter, waited time.Duration) {
	q.waitFor.Observe(waited.Seconds())
	if w.Admitted != nil {
		w.Admitted(waited)
	}
}

// grant takes a slot for user's turn; the caller holds q.mu.
func (q *Queue) grant(user string) {
	q.running++
	q.active.Inc()
	q.busy[user]++
	q.seq++
	q.served[user] = q.seq
}

// releaser returns the release of user's slot, effective once.
func (q *Queue) releaser(user string) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			q.mu.Lock()
			defer q.mu.Unlock()
			q.running--
			q.active.Dec()
			if q.busy[user]--; q.busy[user] <= 0 {
				delete(q.busy, user)
			}
			q.dispatch()
			q.forget(user)
		})
	}
}

// forget drops what the queue knows of a user with nothing running or
// waiting, so that its memory is bounded by the users present; the
// caller holds q.mu.
func (q *Queue) forget(user string) {
	if q.busy[user] == 0 && len(q.users[user]) == 0 {
		delete(q.served, user)
	}
}

// next returns the user whose turn is next among those with rem[u]
// waiting: the one served least recently, the first to arrive on a tie.
func (q *Queue) next(rem map[string]int, served map[string]uint64) string {
	best := ""
	found := false
	for _, u := range q.order {
		if rem[u] > 0 && (!found || served[u] < served[best]) {
			best, found = u, true
		}
	}
	return best
}

// dispatch grants free slots, one user's turn after another; the caller
// holds q.mu.
func (q *Queue) dispatch() {
	granted := false
	for q.running < q.limit && q.waiting > 0 {
		rem := make(map[string]int, len(q.users))
		for u, ts := range q.users {
			rem[u] = len(ts)
		}
		u := q.next(rem, q.served)
		ts := q.users[u]
		t := ts[0]
		if len(ts) == 1 {
			delete(q.users, u)
			q.order = slices.DeleteFunc(q.order, func(o string) bool { return o == u })
		} else {
			q.users[u] = ts[1:]
		}
		q.waiting--
		q.length.Dec()
		q.grant(u)
		close(t.ready)
		granted = true
	}
	if granted {
		q.signal()
	}
}

// leave takes a waiting ticket out; it reports whether the ticket was
// granted its slot first (and so holds it).
func (q *Queue) leave(t *ticket) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	select {
	case <-t.ready:
		return true
	default:
	}
	ts := q.users[t.user]
	if i := slices.Index(ts, t); i >= 0 {
		ts = slices.Delete(ts, i, i+1)
		q.waiting--
		q.length.Dec()
	}
	if len(ts) == 0 {
		delete(q.users, t.user)
		q.order = slices.DeleteFunc(q.order, func(u string) bool { return u == t.user })
	} else {
		q.users[t.user] = ts
	}
	q.forget(t.user)
	q.signal()
	return false
}

// signal tells every waiter the queue changed; the caller holds q.mu.
func (q *Queue) signal() {
	for _, ts := range q.users {
		for _, t := range ts {
			select {
			case t.moved <- struct{}{}:
			default: // already told
			}
		}
	}
}

// ahead returns how many waiting requests will be served before t if no
// others arrive. Turns go round the waiting users in the order they were
// last served (each turn sends its user to the back), so when t is its
// user's i-th waiting request (from 0), the users before it in that order
// are served i+1 times first, those after it i times, each as far as its
// requests go. ok is false once t no longer waits.
func (q *Queue) ahead(t *ticket) (n int, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	i := slices.Index(q.users[t.user], t)
	if i < 0 {
		return 0, false
	}
	round := slices.Clone(q.order) // by arrival: ties keep it
	slices.SortStableFunc(round, func(a, b string) int { return cmp.Compare(q.served[a], q.served[b]) })
	n = i
	before := true
	for _, u := range round {
		if u == t.user {
			before = false
			continue
		}
		turns := i
		if before {
			turns = i + 1
		}
		n += min(len(q.users[u]), turns)
	}
	return n, true
}
