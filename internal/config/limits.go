package config

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// LimitsConfig bounds what callers may ask of the assistant's HTTP server
// and where its operator endpoints listen.
type LimitsConfig struct {
	// MetricsListen is the host:port of /metrics and the detailed /readyz;
	// "" turns that listener off.
	MetricsListen string
	// RatePerMinute, MaxAnswersPerUser and MaxAnswers bound questions
	// (0: no limit); AnswerQueueWait is how long a question waits for a
	// free answer slot (0: refused at once).
	RatePerMinute     int
	MaxAnswersPerUser int
	MaxAnswers        int
	AnswerQueueWait   time.Duration
	// ReadTimeout bounds reading a request (headers and body), UploadTimeout
	// an upload's body; WriteTimeout each write of a reply; IdleTimeout a
	// kept-alive connection between requests.
	ReadTimeout   time.Duration
	UploadTimeout time.Duration
	WriteTimeout  time.Duration
	IdleTimeout   time.Duration
}

// DefaultMetricsListen is loopback: the metrics and the detailed readiness
// name models and endpoints, and are for the operator's monitoring only.
const DefaultMetricsListen = "127.0.0.1:9464"

// limitsSettings are the rows of the request limits and the metrics
// listener.
func limitsSettings() []Setting {
	return []Setting{
		{Flag: "metrics-listen", Env: "CIVITAS_METRICS_LISTEN", Default: DefaultMetricsListen, Only: "assistant",
			Usage: "host:port of the operator listener serving /metrics and the detailed /readyz, unauthenticated: keep it on loopback or a monitoring network (off: no such listener)",
			set:   setMetricsListen},
		{Flag: "rate-limit", Env: "CIVITAS_RATE_LIMIT", Default: "20", Only: "assistant",
			Usage: "questions one user may ask per minute, in the web chat and the OpenAI API together (0: no limit)",
			set:   limitInt(func(l *LimitsConfig) *int { return &l.RatePerMinute })},
		{Flag: "max-answers-per-user", Env: "CIVITAS_MAX_ANSWERS_PER_USER", Default: "2", Only: "assistant",
			Usage: "answers one user may have running or waiting at once (0: no limit)",
			set:   limitInt(func(l *LimitsConfig) *int { return &l.MaxAnswersPerUser })},
		{Flag: "max-answers", Env: "CIVITAS_MAX_ANSWERS", Default: "8", Only: "assistant",
			Usage: "answers generated at once by all users; further questions wait in line (0: no limit)",
			set:   limitInt(func(l *LimitsConfig) *int { return &l.MaxAnswers })},
		{Flag: "answer-queue-wait", Env: "CIVITAS_ANSWER_QUEUE_WAIT", Default: "1m", Only: "assistant",
			Usage: "how long a question waits for a free answer slot before it is refused with 429 (0: refused at once)",
			set:   limitDuration(0, func(l *LimitsConfig) *time.Duration { return &l.AnswerQueueWait })},
		{Flag: "read-timeout", Env: "CIVITAS_READ_TIMEOUT", Default: "1m", Only: "assistant",
			Usage: "time a client has to send a request, headers (10s at most) and body; a streamed answer may take longer",
			set:   limitDuration(time.Second, func(l *LimitsConfig) *time.Duration { return &l.ReadTimeout })},
		{Flag: "upload-timeout", Env: "CIVITAS_UPLOAD_TIMEOUT", Default: "1h", Only: "assistant",
			Usage: "time a knowledge manager's upload request has to arrive",
			set:   limitDuration(time.Second, func(l *LimitsConfig) *time.Duration { return &l.UploadTimeout })},
		{Flag: "write-timeout", Env: "CIVITAS_WRITE_TIMEOUT", Default: "1m", Only: "assistant",
			Usage: "time each write of a reply may take (each event of a streamed answer: the answer itself may stream longer); a client that stops reading is dropped",
			set:   limitDuration(time.Second, func(l *LimitsConfig) *time.Duration { return &l.WriteTimeout })},
		{Flag: "idle-timeout", Env: "CIVITAS_IDLE_TIMEOUT", Default: "2m", Only: "assistant",
			Usage: "a kept-alive connection without a request this long is closed",
			set:   limitDuration(time.Second, func(l *LimitsConfig) *time.Duration { return &l.IdleTimeout })},
	}
}

func setMetricsListen(c *Config, v string) error {
	if v == "" || v == "off" {
		c.Limits.MetricsListen = ""
		return nil
	}
	if _, _, err := net.SplitHostPort(v); err != nil {
		return fmt.Errorf("want host:port or off: %w", err)
	}
	c.Limits.MetricsListen = v
	return nil
}

// limitInt parses a count between 0 (no limit) and 100000.
func limitInt(field func(*LimitsConfig) *int) func(*Config, string) error {
	return intBetween(0, 100000, "", func(c *Config) *int { return field(&c.Limits) })
}

// limitDuration parses a duration of at least least into a limit.
func limitDuration(least time.Duration, field func(*LimitsConfig) *time.Duration) func(*Config, string) error {
	return durationAtLeast(least, func(c *Config) *time.Duration { return field(&c.Limits) })
}

// durationAtLeast parses a duration of at least least into the field of
// the Config that field returns.
func durationAtLeast(least time.Duration, field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return err
		}
		if d < least {
			return errors.New("want a duration of " + least.String() + " or more")
		}
		*field(c) = d
		return nil
	}
}
