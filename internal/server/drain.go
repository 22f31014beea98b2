package server

import "time"

// On SIGTERM cmd/assistant calls Drain first: readiness (the public
// /readyz and the operator's) turns 503 so that load balancers stop
// sending, and new questions are refused with 503 and Retry-After, while
// the answers under way (and questions already waiting in the queue) go
// on. Only then does it close the listeners and wait for those answers,
// for a grace period, before cancelling what is left.

// drainRetryAfter is the Retry-After of a question refused while the
// assistant stops: another replica, or this one restarted, answers then.
const drainRetryAfter = 5 * time.Second

// Drain makes readiness fail and refuses new answers from now on; it
// cannot be undone (the process is stopping).
func (s *Server) Drain() {
	s.gate.draining.Store(true)
	s.log.Info("draining: readiness answers 503, new questions are refused")
}

// Draining reports whether Drain was called.
func (s *Server) Draining() bool { return s.gate.draining.Load() }

// drainRefusal is the reply to a question asked while draining.
func drainRefusal() *limitError {
	return &limitError{err: errorf(CodeUnavailable, "the assistant is shutting down; ask again shortly"), retryAfter: drainRetryAfter}
}
