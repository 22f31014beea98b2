package server

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Limits bound what one user, and all users together, may ask of the chat
// model, which is the scarce resource: a CPU server answers a handful of
// questions at a time. They apply to POST /api/chat and POST
// /v1/chat/completions together. Zero values mean no limit.
type Limits struct {
	// RatePerMinute is how many questions one user may ask per minute
	// (a token bucket: bursts up to the same number).
	RatePerMinute int
	// MaxAnswersPerUser bounds one user's answers running or waiting.
	MaxAnswersPerUser int
	// MaxAnswers bounds the answers generated at once; further questions
	// wait, in order, for QueueWait at most.
	MaxAnswers int
	QueueWait  time.Duration
	// UploadTimeout replaces the http.Server's ReadTimeout for uploads,
	// once the caller is known to be a knowledge manager.
	UploadTimeout time.Duration
	// WriteTimeout bounds each write of a reply (so a reader that stops
	// reading is dropped), not the whole reply: a streamed answer may take
	// minutes (timeouts.go).
	WriteTimeout time.Duration
	// KeepAlive is the interval of a streamed reply's keep-alives
	// (keepalive.go); 0: DefaultKeepAlive.
	KeepAlive time.Duration
}

// Retry-After of the refusals that depend on other answers finishing.
const busyRetryAfter = 10 * time.Second

// CodeRateLimited is a refusal by a limit: 429 with Retry-After.
const CodeRateLimited = "rate_limited"

// limitError is a refusal by a limit; writeError sends its Retry-After.
type limitError struct {
	err        *Error
	retryAfter time.Duration
}

func (e *limitError) Error() string { return e.err.Error() }
func (e *limitError) Unwrap() error { return e.err }

// RetryAfter is when asking again may succeed.
func (e *limitError) RetryAfter() time.Duration { return e.retryAfter }

// retryAfterSeconds is d for the Retry-After header: whole seconds, at
// least one.
func retryAfterSeconds(d time.Duration) string {
	return fmt.Sprint(max(1, int(math.Ceil(d.Seconds()))))
}

func refuse(msg string, retryAfter time.Duration) *limitError {
	return &limitError{err: errorf(CodeRateLimited, msg), retryAfter: retryAfter}
}

// answerGate admits questions to the chat model: it applies the per-user
// rate and concurrency limits, and queues questions in order of arrival
// while MaxAnswers answers run.
type answerGate struct {
	lim     Limits
	metrics *metrics
	now     func() time.Time
	// draining refuses new questions while the server stops (drain.go).
	draining atomic.Bool

	mu      sync.Mutex
	running int
	users   map[string]int // answers running or waiting, per user
	queue   []*ticket      // waiting, first come first
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newAnswerGate(lim Limits, m *metrics) *answerGate {
	return &answerGate{lim: lim, metrics: m, now: time.Now, users: map[string]int{}, buckets: map[string]*bucket{}}
}

// ticket is one admitted question: it holds an answer slot once ready is
// closed, and must be released.
type ticket struct {
	g     *answerGate
	user  string
	ready chan struct{} // closed when the slot is granted
	moved chan struct{} // signalled when the queue ahead got shorter
	done  bool
}

// enter admits a question of user, or refuses it with a *limitError. The
// ticket holds a slot at once, or is queued (position > 0) and must wait.
func (g *answerGate) enter(user string) (*ticket, error) {
	if g.draining.Load() {
		g.metrics.refusals.WithLabelValues("draining").Inc()
		return nil, drainRefusal()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if wait := g.take(user); wait > 0 {
		g.metrics.refusals.WithLabelValues("rate").Inc()
		return nil, refuse(fmt.Sprintf("too many questions: at most %d a minute", g.lim.RatePerMinute), wait)
	}
	if g.lim.MaxAnswersPerUser > 0 && g.users[user] >= g.lim.MaxAnswersPerUser {
		g.metrics.refusals.WithLabelValues("user_concurrency").Inc()
		return nil, refuse(fmt.Sprintf("you have %d answers under way; wait for one to finish", g.users[user]), busyRetryAfter)
	}
	t := &ticket{g: g, user: user, ready: make(chan struct{}), moved: make(chan struct{}, 1)}
	if g.lim.MaxAnswers <= 0 || (g.running < g.lim.MaxAnswers && len(g.queue) == 0) {
		g.running++
		g.metrics.running.Inc()
		close(t.ready)
	} else {
		if g.lim.QueueWait <= 0 {
			g.metrics.refusals.WithLabelValues("busy").Inc()
			return nil, refuse("the assistant is busy; ask again shortly", busyRetryAfter)
		}
		g.queue = append(g.queue, t)
		g.metrics.queued.Inc()
	}
	g.users[user]++
	return t, nil
}

// take spends one of user's questions; it returns how long until one is
// available when none is (0: taken). The caller holds g.mu.
func (g *answerGate) take(user string) time.Duration {
	if g.lim.RatePerMinute <= 0 {
		return 0
	}
	now := g.now()
	burst := float64(g.lim.RatePerMinute)
	perSecond := burst / 60
	g.sweep(now, burst, perSecond)
	b := g.buckets[user]
	if b == nil {
		b = &bucket{tokens: burst, at: now}
		g.buckets[user] = b
	}
	b.tokens = min(burst, b.tokens+now.Sub(b.at).Seconds()*perSecond)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) / perSecond * float64(time.Second))
}

// sweep forgets, once a minute, the buckets that have filled up again:
// they are what a new bucket would be, so the map holds only recent users.
func (g *answerGate) sweep(now time.Time, burst, perSecond float64) {
	if now.Sub(g.swept) < time.Minute {
		return
	}
	g.swept = now
	for u, b := range g.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*perSecond >= burst {
			delete(g.buckets, u)
		}
	}
}

// position is the ticket's place in the queue, from 1; 0 once it holds a
// slot (or left).
func (t *ticket) position() int {
	t.g.mu.Lock()
	defer t.g.mu.Unlock()
	return slices.Index(t.g.queue, t) + 1
}

// wait waits for the ticket's slot, telling moved each new queue position.
// It gives up after the queue wait with a *limitError, or when ctx ends;
// either way the ticket is released.
func (t *ticket) wait(ctx context.Context, moved func(position int)) error {
	timer := time.NewTimer(t.g.lim.QueueWait)
	defer timer.Stop()
	for {
		select {
		case <-t.ready:
			return nil
		case <-t.moved:
			if p := t.position(); p > 0 && moved != nil {
				moved(p)
			}
		case <-timer.C:
			if t.leave() {
				return nil // granted just now
			}
			t.g.metrics.refusals.WithLabelValues("busy").Inc()
			return refuse("the assistant is busy; ask again shortly", busyRetryAfter)
		case <-ctx.Done():
			if t.leave() {
				t.release()
			}
			return ctx.Err()
		}
	}
}

// leave takes a waiting ticket out of the queue; it reports whether the
// ticket was granted its slot first (and so still holds it).
func (t *ticket) leave() bool {
	g := t.g
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-t.ready:
		return true
	default:
	}
	if i := slices.Index(g.queue, t); i >= 0 {
		g.queue = slices.Delete(g.queue, i, i+1)
		g.metrics.queued.Dec()
		g.signalQueue(i)
	}
	g.leaveUser(t)
	return false
}

// release gives the slot back to the next in the queue. It may be called
// more than once.
func (t *ticket) release() {
	g := t.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if t.done {
		return
	}
	g.running--
	g.metrics.running.Dec()
	g.leaveUser(t)
	n := 0
	for len(g.queue) > n && (g.lim.MaxAnswers <= 0 || g.running < g.lim.MaxAnswers) {
		next := g.queue[n]
		n++
		g.running++
		g.metrics.running.Inc()
		g.metrics.queued.Dec()
		close(next.ready)
	}
	g.queue = slices.Delete(g.queue, 0, n)
	g.signalQueue(0)
}

// leaveUser ends t's count against its user; the caller holds g.mu.
func (g *answerGate) leaveUser(t *ticket) {
	t.done = true
	if g.users[t.user]--; g.users[t.user] <= 0 {
		delete(g.users, t.user)
	}
}

// signalQueue tells the waiters from index i on that they moved up.
func (g *answerGate) signalQueue(i int) {
	for _, w := range g.queue[i:] {
		select {
		case w.moved <- struct{}{}:
		default: // already told
		}
	}
}
