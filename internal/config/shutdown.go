package config

import (
	"time"
)

// ShutdownConfig is how the assistant stops (SIGTERM) and keeps long
// replies alive behind proxies.
type ShutdownConfig struct {
	// Delay is how long readiness answers 503 before the listeners close,
	// so that load balancers stop sending new requests first.
	Delay time.Duration
	// Grace is how long in-flight answers have to finish once the
	// listeners closed; the rest are then cancelled.
	Grace time.Duration
	// KeepAlive is the interval of the comments (SSE) or blank lines
	// (NDJSON) a streamed reply sends while nothing else is written.
	KeepAlive time.Duration
}

// shutdownSettings are the rows of the shutdown sequence and of stream
// keep-alives.
func shutdownSettings() []Setting {
	return []Setting{
		{Flag: "shutdown-delay", Env: "CIVITAS_SHUTDOWN_DELAY", Default: "5s", Only: "assistant",
			Usage: "on SIGTERM, how long /readyz answers 503 (and new questions 503 with Retry-After) before the listeners close, so load balancers notice first (0: close at once)",
			set:   shutdownDuration(0, func(s *ShutdownConfig) *time.Duration { return &s.Delay })},
		{Flag: "shutdown-grace", Env: "CIVITAS_SHUTDOWN_GRACE", Default: "30s", Only: "assistant",
			Usage: "on SIGTERM, how long answers under way have to finish after the listeners closed; the rest are then cancelled",
			set:   shutdownDuration(0, func(s *ShutdownConfig) *time.Duration { return &s.Grace })},
		{Flag: "stream-keepalive", Env: "CIVITAS_STREAM_KEEPALIVE", Default: "15s", Only: "assistant",
			Usage: "interval of the keep-alive comments a streamed answer (or model pull) sends while it has nothing else to send, so proxies do not cut it",
			set:   shutdownDuration(10*time.Millisecond, func(s *ShutdownConfig) *time.Duration { return &s.KeepAlive })},
	}
}

func shutdownDuration(least time.Duration, field func(*ShutdownConfig) *time.Duration) func(*Config, string) error {
	return durationAtLeast(least, func(c *Config) *time.Duration { return field(&c.Shutdown) })
}
