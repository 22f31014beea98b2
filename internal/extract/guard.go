package extract

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/civitas-eu/civitas/internal/extract/sanitize"
)

// errGuardTimeout is the cancellation cause Guard gives its own deadline,
// to tell it apart from the caller cancelling or timing out.
var errGuardTimeout = errors.New("per-file time limit")

// Guard runs l.Load on data so that a broken or hostile file cannot take
// the caller down: data over opts.MaxBytes is refused (ErrTooLarge), a
// panic becomes an error wrapping ErrPanic, and a loader still running
// after opts.Timeout is abandoned with an error wrapping ErrTimeout. Zero
// limits in opts mean those of DefaultOptions. Every error begins
// "extract <name>:". The returned document's text is sanitized again and
// empty blocks are dropped, whatever the loader did.
//
// An abandoned loader goroutine keeps running until it notices its
// cancelled context; it only reads data and writes to a channel nobody
// reads, so the caller must not modify data after a timeout.
//
// What Guard cannot catch ends the whole process: a stack overflow or an
// exhausted heap is a fatal error in Go, not a panic, and an abandoned
// loader keeps its CPU and memory. Options.Sandbox runs Guard in a child
// process, where such a file fails alone.
func Guard(ctx context.Context, name string, opts Options, l Loader, data []byte) (*Document, error) {
	opts = withDefaults(opts)
	if int64(len(data)) > opts.MaxBytes {
		return nil, fmt.Errorf("extract %s: %d bytes, limit %d: %w", name, len(data), opts.MaxBytes, ErrTooLarge)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("extract %s: %w", name, err)
	}
	ctx, cancel := context.WithTimeoutCause(ctx, opts.Timeout, errGuardTimeout)
	defer cancel()

	type result struct {
		doc *Document
		err error
	}
	// Buffered, so an abandoned loader can still send and then exit.
	done := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{err: fmt.Errorf("%w: %v", ErrPanic, r)}
			}
		}()
		doc, err := l.Load(ctx, name, data)
		done <- result{doc, err}
	}()

	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		select {
		case res = <-done: // finished just in time: keep the work
		default:
			if context.Cause(ctx) == errGuardTimeout {
				return nil, fmt.Errorf("extract %s: gave up after %s: %w", name, opts.Timeout, ErrTimeout)
			}
			return nil, fmt.Errorf("extract %s: %w", name, context.Cause(ctx))
		}
	}
	if res.err != nil {
		if context.Cause(ctx) == errGuardTimeout && !errors.Is(res.err, ErrTimeout) {
			// The loader gave up on its cancelled context; say why.
			return nil, fmt.Errorf("extract %s: gave up after %s: %w (%w)", name, opts.Timeout, ErrTimeout, res.err)
		}
		return nil, fmt.Errorf("extract %s: %w", name, res.err)
	}
	if res.doc == nil {
		return nil, fmt.Errorf("extract %s: loader returned no document: %w", name, ErrCorrupt)
	}
	return cleanDocument(res.doc), nil
}

// withDefaults fills in the limits opts leaves at zero.
func withDefaults(opts Options) Options {
	def := DefaultOptions()
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = def.MaxBytes
	}
	if opts.Timeout <= 0 {
		opts.Timeout = def.Timeout
	}
	return opts
}

// cleanDocument is the last line of defence for what reaches the index:
// every string is sanitized, empty blocks go, heading levels are clamped,
// and a document without a title takes its first heading's.
func cleanDocument(doc *Document) *Document {
	out := *doc
	out.Title = strings.Join(strings.Fields(sanitize.Text(doc.Title)), " ")
	out.Language = normLanguage(sanitize.Text(doc.Language))
	out.Blocks = make([]Block, 0, len(doc.Blocks))
	for _, b := range doc.Blocks {
		b.Text = sanitize.Text(b.Text)
		if strings.TrimSpace(b.Text) == "" {
			continue
		}
		if b.Kind == Heading {
			b.Level = max(1, min(b.Level, 6))
		} else {
			b.Level = 0
		}
		b.Page = max(b.Page, 0)
		out.Blocks = append(out.Blocks, b)
	}
	out.Warnings = nil
	for _, w := range doc.Warnings {
		if w = sanitize.Text(w); w != "" {
			out.Warnings = append(out.Warnings, w)
		}
	}
	if out.Title == "" {
		for _, b := range out.Blocks {
			if b.Kind == Heading {
				out.Title = strings.Join(strings.Fields(b.Text), " ")
				break
			}
		}
	}
	return &out
}
