package extract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
)

// childCPUMessage is what a child writes to stderr when it reaches its CPU
// limit, so that the parent can say so.
const childCPUMessage = "civitas-extract: CPU time limit exceeded"

// Exit statuses of a child that ends without a reply on purpose.
const (
	childExitUsage = 2
	childExitCPU   = 3
)

// IsChild reports whether args (a program's os.Args) ask for the hidden
// parser subcommand. main checks it first thing and hands over to
// RunChild, before flags, configuration or anything else.
func IsChild(args []string) bool {
	return len(args) > 1 && args[1] == ChildCommand
}

// RunChild is the sandboxed parser's main: args are those after
// ChildCommand (memory limit in bytes, CPU limit in seconds). It sets the
// limits before reading anything, reads one request and file from stdin,
// extracts it in this process and writes the reply to stdout. It returns
// the exit status; a crash ends the process, which is the point.
func RunChild(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return childMain(args, stdin, stdout, stderr, Bytes)
}

// extractFunc is Bytes; tests put a hostile parser in its place.
type extractFunc func(ctx context.Context, name string, data []byte, opts Options) (*Document, error)

func childMain(args []string, stdin io.Reader, stdout, stderr io.Writer, extract extractFunc) int {
	if len(args) != 2 {
		fmt.Fprintln(stderr, "civitas-extract: internal subcommand of Civitas, not for use by hand")
		return childExitUsage
	}
	memory, err1 := strconv.ParseInt(args[0], 10, 64)
	cpuSeconds, err2 := strconv.ParseInt(args[1], 10, 64)
	if err := errors.Join(err1, err2); err != nil || memory <= 0 || cpuSeconds <= 0 {
		fmt.Fprintln(stderr, "civitas-extract: bad limits:", args)
		return childExitUsage
	}
	if err := setChildLimits(memory, cpuSeconds, stderr); err != nil {
		fmt.Fprintln(stderr, "civitas-extract: cannot set limits:", err)
		return childExitUsage
	}
	// A goroutine's stack may grow to a quarter of the memory limit (Go's
	// default is 1 GB): a runaway recursion then ends as a stack overflow,
	// which says what happened, rather than as an out-of-memory error.
	debug.SetMaxStack(int(min(memory/4, 1<<30)))
	// The collector works harder as the heap nears the hard limit, so that
	// a parser that makes much garbage is not killed for it.
	debug.SetMemoryLimit(memory / 10 * 8)

	req, data, err := readRequest(stdin)
	if err != nil {
		fmt.Fprintln(stderr, "civitas-extract: read request:", err)
		return childExitUsage
	}
	opts := Options{MaxBytes: req.MaxBytes, Timeout: req.Timeout, OCR: req.OCR, OCRLanguages: req.OCRLanguages}
	doc, err := extract(context.Background(), req.Name, data, opts)
	reply := childReply{Doc: doc}
	if err != nil {
		reply = childReply{Err: err.Error()}
		for i, k := range wireKinds {
			if errors.Is(err, k) {
				reply.Kinds = append(reply.Kinds, i)
			}
		}
	}
	w := bufio.NewWriter(stdout)
	if err := gob.NewEncoder(w).Encode(reply); err != nil {
		fmt.Fprintln(stderr, "civitas-extract: write reply:", err)
		return 1
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(stderr, "civitas-extract: write reply:", err)
		return 1
	}
	return 0
}

// readRequest reads what encodeRequest framed, then the file's bytes (at
// most one over the limit, which Bytes then refuses).
func readRequest(r io.Reader) (childRequest, []byte, error) {
	var req childRequest
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return req, nil, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > maxRequestHeader {
		return req, nil, fmt.Errorf("request header of %d bytes", size)
	}
	header := make([]byte, size)
	if _, err := io.ReadFull(r, header); err != nil {
		return req, nil, err
	}
	if err := gob.NewDecoder(bytes.NewReader(header)).Decode(&req); err != nil {
		return req, nil, err
	}
	if req.MaxBytes <= 0 || req.Timeout <= 0 {
		return req, nil, errors.New("request without limits")
	}
	data, err := io.ReadAll(io.LimitReader(r, req.MaxBytes+1))
	return req, data, err
}
