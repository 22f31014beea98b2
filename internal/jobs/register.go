package jobs

// Registration is one kind of job a service runs: what Handle takes. Each
// service that owns jobs returns its Registration from a Handler method,
// and the program registers them all in one place before the queue runs,
// so that a constructor never registers behind the caller's back and a
// process that only enqueues (the CLI) registers nothing.
type Registration struct {
	Kind string
	// Concurrency is how many jobs of Kind this process runs at once
	// (at least one).
	Concurrency int
	Handler     Handler
	Options     []HandleOption
}

// Register registers each r with Handle. Call it before Run.
func (q *Queue) Register(rs ...Registration) {
	for _, r := range rs {
		q.Handle(r.Kind, r.Concurrency, r.Handler, r.Options...)
	}
}
