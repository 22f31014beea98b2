package extract

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/civitas-eu/civitas/internal/extract/sanitize"
)

// Sandbox runs each extraction in a child process: this same program,
// started with the hidden subcommand ChildCommand, whose main hands it to
// RunChild before anything else. The child sets its own resource limits
// before it reads the file, parses it as Bytes does in process, and sends
// the document back. A child that dies (stack overflow, memory limit, CPU
// limit, any fatal runtime error) or outlives the wall-clock limit is a
// per-file error; the caller's process is never at risk.
//
// Zero fields take their defaults (DefaultSandbox).
type Sandbox struct {
	// Command is the program started with ChildCommand as its first
	// argument; "" means this program (os.Executable).
	Command string
	// Memory bounds how much the child's data segment may grow beyond
	// its size at start, in bytes (RLIMIT_DATA: the heap, goroutine
	// stacks; the OCR tools it starts get the same limit). Not RLIMIT_AS:
	// the Go runtime reserves over a GiB of address space at start, so an
	// address-space limit would measure nothing useful.
	Memory int64
	// CPU bounds the child's processor time (RLIMIT_CPU). The OCR tools
	// it starts get the same limit each, on their own clocks.
	CPU time.Duration
	// Timeout is the wall-clock limit after which the child and every
	// process it started are killed; 0: the extraction time limit
	// (Options.Timeout) plus 30 s, so that the child's own, gentler
	// limit normally comes first.
	Timeout time.Duration
}

// ChildCommand is the hidden subcommand that runs the sandboxed parser.
// It is not a user command and not listed in any help.
const ChildCommand = "__extract"

// Defaults of a Sandbox's zero fields.
const (
	DefaultSandboxMemory = 1 << 30
	DefaultSandboxCPU    = 2 * time.Minute
	sandboxGrace         = 30 * time.Second
)

// Limits the parent applies to what a child sends back.
const (
	maxRequestHeader = 1 << 20
	maxChildStderr   = 16 << 10 // Go's crash reports say what matters first
	childWaitDelay   = 5 * time.Second
)

// errWallClock is the cancellation cause of the parent's kill timer.
var errWallClock = errors.New("sandbox wall-clock limit")

// childRequest is what the parent sends before the file's bytes.
type childRequest struct {
	Name         string
	MaxBytes     int64
	Timeout      time.Duration
	OCR          bool
	OCRLanguages []string
}

// childReply is what the child sends back: a document, or an error's
// message with the sentinels it wraps (indexes into wireKinds).
type childReply struct {
	Doc   *Document
	Err   string
	Kinds []int
}

// wireKinds are the errors a child's error can wrap that callers test
// with errors.Is; their position is their code on the wire.
var wireKinds = []error{ErrUnsupported, ErrEncrypted, ErrCorrupt, ErrNoPages, ErrNoText,
	ErrTooLarge, ErrTimeout, ErrPanic, ErrMemory, context.Canceled, context.DeadlineExceeded}

// childError is an error rebuilt from a child's reply: the same message,
// and errors.Is still finds the sentinels.
type childError struct {
	msg   string
	kinds []error
}

func (e *childError) Error() string   { return e.msg }
func (e *childError) Unwrap() []error { return e.kinds }

// limits returns the sandbox's limits with defaults filled in.
func (s *Sandbox) limits(opts Options) (memory int64, cpu, wall time.Duration) {
	memory, cpu, wall = s.Memory, s.CPU, s.Timeout
	if memory <= 0 {
		memory = DefaultSandboxMemory
	}
	if cpu <= 0 {
		cpu = DefaultSandboxCPU
	}
	if wall <= 0 {
		wall = opts.Timeout + sandboxGrace
	}
	return memory, cpu, wall
}

// extract is Bytes in a child process; opts has its defaults filled in
// and data is within the size limit.
func (s *Sandbox) extract(ctx context.Context, name string, data []byte, opts Options) (*Document, error) {
	memory, cpu, wall := s.limits(opts)
	exe := s.Command
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("extract %s: cannot start the parser process: %w", name, err)
		}
	}
	header, err := encodeRequest(childRequest{Name: name, MaxBytes: opts.MaxBytes, Timeout: opts.Timeout,
		OCR: opts.OCR, OCRLanguages: opts.OCRLanguages})
	if err != nil {
		return nil, fmt.Errorf("extract %s: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("extract %s: %w", name, err)
	}
	runCtx, cancel := context.WithTimeoutCause(ctx, wall, errWallClock)
	defer cancel()
	cmd := exec.CommandContext(runCtx, exe, ChildCommand,
		strconv.FormatInt(memory, 10), strconv.FormatInt(int64((cpu+time.Second-1)/time.Second), 10))
	cmd.Env = childEnv(os.Environ())
	cmd.Stdin = io.MultiReader(bytes.NewReader(header), bytes.NewReader(data))
	stdout := &capBuffer{max: int(min(memory, 1<<40))}
	stderr := &capBuffer{max: maxChildStderr, truncate: true}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = childWaitDelay
	isolate(cmd)
	start := time.Now()
	runErr := cmd.Run()
	if runErr != nil {
		killGroup(cmd) // OCR tools a dead child left behind
	}

	fail := func(format string, args ...any) error {
		return fmt.Errorf("extract %s: "+format, append([]any{name}, args...)...)
	}
	switch {
	case ctx.Err() != nil:
		return nil, fail("%w", context.Cause(ctx))
	case context.Cause(runCtx) == errWallClock:
		return nil, fail("parser killed after %s: %w", wall, ErrTimeout)
	case stdout.overflow:
		return nil, fail("parser sent more than %d bytes: %w", stdout.max, ErrTooLarge)
	}
	if runErr != nil {
		return nil, childFailure(fail, runErr, cmd.ProcessState, stderr.String(), memory, cpu, time.Since(start))
	}
	var reply childReply
	if err := gob.NewDecoder(bytes.NewReader(stdout.Bytes())).Decode(&reply); err != nil {
		return nil, fail("parser crashed: unreadable reply (%v): %w", err, ErrPanic)
	}
	if reply.Err != "" || reply.Doc == nil {
		if reply.Err == "" {
			return nil, fail("parser returned no document: %w", ErrCorrupt)
		}
		return nil, replyError(name, reply)
	}
	// The child's text is no more trusted than the file it came from.
	doc := cleanDocument(reply.Doc)
	doc.MediaType = sanitize.Text(reply.Doc.MediaType)
	return doc, nil
}

// replyError rebuilds the error a child sent. The message is the child's
// Bytes's, which names the file; it is held to what such a message looks
// like all the same, as it goes into reports and onto the documents page.
func replyError(name string, reply childReply) error {
	msg := sanitize.Text(reply.Err)
	if r := []rune(msg); len(r) > 2000 {
		msg = string(r[:2000]) + "…"
	}
	if prefix := "extract " + name + ": "; !strings.HasPrefix(msg, prefix) {
		msg = prefix + msg
	}
	e := &childError{msg: msg}
	for _, k := range reply.Kinds {
		if k >= 0 && k < len(wireKinds) {
			e.kinds = append(e.kinds, wireKinds[k])
		}
	}
	return e
}

// childFailure words why a child ended without a reply. stderr is the
// head of what it wrote: a Go runtime's fatal error comes first.
func childFailure(fail func(string, ...any) error, runErr error, ps *os.ProcessState, stderr string,
	memory int64, cpu, took time.Duration) error {
	usedCPU := time.Duration(0)
	if ps != nil {
		usedCPU = ps.UserTime() + ps.SystemTime()
	}
	switch {
	case strings.Contains(stderr, childCPUMessage) || (killedBySignal(ps) && usedCPU >= cpu):
		return fail("parser exceeded its CPU time limit of %s: %w", cpu, ErrTimeout)
	case strings.Contains(stderr, "stack overflow") || strings.Contains(stderr, "stack exceeds"):
		return fail("parser crashed: stack overflow: %w", ErrPanic)
	// ENOMEM in any wording: the Go runtime's, the C library's, or a
	// sanitizer runtime's own allocation refused by RLIMIT_DATA (the race
	// detector's shadow memory counts against the limit too).
	case strings.Contains(stderr, "out of memory") || strings.Contains(stderr, "cannot allocate memory") ||
		strings.Contains(stderr, "(errno: 12)"):
		return fail("parser exceeded its memory limit of %s: %w", formatBytes(memory), ErrMemory)
	}
	why := crashLine(stderr)
	if why == "" {
		why = runErr.Error()
	}
	return fail("parser crashed after %s: %s: %w", took.Round(time.Millisecond), why, ErrPanic)
}

// crashLine picks the line of a child's stderr that says what went
// wrong, cut to a length fit for a report.
func crashLine(stderr string) string {
	lines := strings.Split(stderr, "\n")
	pick := ""
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "fatal error:") || strings.HasPrefix(l, "panic:") {
			pick = l
			break
		}
		if pick == "" && l != "" {
			pick = l
		}
	}
	pick = sanitize.Text(pick)
	if r := []rune(pick); len(r) > 200 {
		pick = string(r[:200]) + "…"
	}
	return pick
}

func formatBytes(n int64) string {
	if n%(1<<30) == 0 {
		return strconv.FormatInt(n>>30, 10) + " GiB"
	}
	return strconv.FormatInt(n>>20, 10) + " MiB"
}

// encodeRequest frames a request: its length (4 bytes, big-endian), then
// its gob, so that the child can read the file's bytes that follow
// without a decoder's read-ahead eating them.
func encodeRequest(req childRequest) ([]byte, error) {
	var body bytes.Buffer
	if err := gob.NewEncoder(&body).Encode(req); err != nil {
		return nil, fmt.Errorf("encode parser request: %w", err)
	}
	if body.Len() > maxRequestHeader {
		return nil, errors.New("parser request too large")
	}
	out := binary.BigEndian.AppendUint32(nil, uint32(body.Len()))
	return append(out, body.Bytes()...), nil
}

// childEnv is the environment a child gets: what it needs to find and
// run the OCR tools, and nothing else (no database URL, no secrets).
func childEnv(env []string) []string {
	keep := map[string]bool{"PATH": true, "TMPDIR": true, "HOME": true, "LANG": true, "LC_ALL": true,
		"LC_CTYPE": true, "TESSDATA_PREFIX": true, "OMP_THREAD_LIMIT": true, "GOCOVERDIR": true}
	// Parsing is one goroutine: two processors are plenty, and fewer
	// threads mean less memory spent on their stacks.
	out := []string{"GOMAXPROCS=2"}
	for _, kv := range env {
		if k, _, ok := strings.Cut(kv, "="); ok && keep[k] {
			out = append(out, kv)
		}
	}
	return out
}

// capBuffer keeps at most max bytes. Past that it either fails the write
// (stdout: the reply is void) or keeps the head and drops the rest
// (stderr: the cause of a crash comes first).
type capBuffer struct {
	bytes.Buffer
	max      int
	truncate bool
	overflow bool
}

func (b *capBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.overflow = true
		if !b.truncate {
			return 0, errors.New("output over the limit")
		}
		b.Buffer.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return b.Buffer.Write(p)
}
