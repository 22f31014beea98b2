package extract

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/extract/pdftext"
	"github.com/civitas-eu/civitas/internal/sharedtest"
)

// TestMain lets this test binary be its own sandbox child, as the
// product binaries' main does: the parent side runs os.Executable, which
// here is the test binary. Its child knows a few hostile parsers by file
// name, which no file format can trigger on demand.
func TestMain(m *testing.M) {
	if IsChild(os.Args) {
		os.Exit(childMain(os.Args[2:], os.Stdin, os.Stdout, os.Stderr, hostileExtract))
	}
	os.Exit(m.Run())
}

// loaderFunc makes a function a Loader.
type loaderFunc func(ctx context.Context, name string, data []byte) (*Document, error)

func (f loaderFunc) Load(ctx context.Context, name string, data []byte) (*Document, error) {
	return f(ctx, name, data)
}

// hostileExtract runs the test's hostile parsers behind Guard, as a real
// loader runs, for the files named after them, and Bytes for the rest.
func hostileExtract(ctx context.Context, name string, data []byte, opts Options) (*Document, error) {
	var l loaderFunc
	switch filepath.Base(name) {
	case "stack-overflow.pdf":
		l = func(context.Context, string, []byte) (*Document, error) { return nil, errors.New(recurse(0)) }
	case "memory-hog.pdf":
		l = func(context.Context, string, []byte) (*Document, error) {
			var keep [][]byte
			for {
				b := make([]byte, 16<<20)
				for i := 0; i < len(b); i += 4096 {
					b[i] = 1 // touch every page, as a real parser fills its buffers
				}
				//lint:ignore SA4010 holding the buffers is the point: the child must grow until its memory limit kills it
				keep = append(keep, b)
			}
		}
	case "hang.pdf": // ignores its context: only a kill ends it
		l = func(context.Context, string, []byte) (*Document, error) { time.Sleep(time.Hour); return nil, nil }
	case "spin.pdf":
		l = func(context.Context, string, []byte) (*Document, error) {
			for n := 0; ; n++ {
				if n < 0 {
					return nil, nil
				}
			}
		}
	default:
		return Bytes(ctx, name, data, opts)
	}
	// Guard first: it must be the sandbox, not Guard's recover or time
	// limit, that saves the caller.
	_, err := Guard(ctx, name, opts, l, data)
	if filepath.Base(name) == "spin.pdf" {
		// Guard abandoned the loader, which spins on: a child stuck
		// like this is what the CPU limit ends.
		time.Sleep(time.Hour)
	}
	return nil, err
}

// recurse never returns: a parser recursing on a self-referencing
// structure without a depth limit.
func recurse(n int) string {
	var frame [256]byte
	frame[n%len(frame)] = byte(n)
	//lint:ignore SA5007 the unbounded recursion is the hostile behaviour under test
	return recurse(n+1) + string(frame[:1])
}

// sandboxTestOptions are small limits, so that the hostile children hit
// them fast.
func sandboxTestOptions(sb *Sandbox) Options {
	opts := DefaultOptions()
	opts.OCR = false
	opts.Sandbox = sb
	return opts
}

// checkSandboxFailure extracts a hostile file through sb and checks the
// per-file error, then a normal file through the same sandbox: the parent
// survived and carries on.
func checkSandboxFailure(t *testing.T, sb *Sandbox, opts Options, name string, want error, words ...string) {
	t.Helper()
	start := time.Now()
	doc, err := Bytes(t.Context(), name, []byte("%PDF-1.4 hostile"), opts)
	took := time.Since(start)
	if err == nil {
		t.Fatalf("hostile file extracted: %+v", doc)
	}
	t.Logf("after %v: %v", took.Round(time.Millisecond), err)
	if !errors.Is(err, want) {
		t.Errorf("error %q does not wrap %v", err, want)
	}
	if !strings.HasPrefix(err.Error(), "extract "+name+": ") {
		t.Errorf("error %q does not begin with the file name", err)
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
	next := []byte("# Nächste Datei\n\nDie Verarbeitung geht weiter.\n")
	doc, err = Bytes(t.Context(), "weiter.md", next, opts)
	if err != nil || len(doc.Blocks) != 2 || doc.Title != "Nächste Datei" {
		t.Fatalf("next file after the failure: %+v, %v", doc, err)
	}
}

func TestSandboxStackOverflowIsPerFileError(t *testing.T) {
	if raceDetector {
		// The race runtime's shadow of a growing stack is refused by the
		// data limit before the stack overflows (reported, rightly, as the
		// memory limit): scripts/test.sh runs the sandbox tests without
		// -race as well, where this one is checked.
		t.Skip("stack overflow in a sandboxed child is checked without -race")
	}
	t.Parallel()
	sb := &Sandbox{Memory: 512 << 20, CPU: time.Minute, Timeout: time.Minute}
	checkSandboxFailure(t, sb, sandboxTestOptions(sb), "stack-overflow.pdf", ErrPanic, "parser crashed: stack overflow")
}

func TestSandboxMemoryLimit(t *testing.T) {
	t.Parallel()
	sb := &Sandbox{Memory: 256 << 20, CPU: time.Minute, Timeout: time.Minute}
	checkSandboxFailure(t, sb, sandboxTestOptions(sb), "memory-hog.pdf", ErrMemory, "parser exceeded its memory limit of 256 MiB")
}

func TestSandboxTimeoutKills(t *testing.T) {
	t.Parallel()
	sb := &Sandbox{Timeout: 2 * time.Second}
	opts := sandboxTestOptions(sb)
	opts.Timeout = time.Hour // the child's own limit would come too late
	start := time.Now()
	checkSandboxFailure(t, sb, opts, "hang.pdf", ErrTimeout, "parser killed after 2s")
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("took %v; the kill should come after 2 s", took)
	}
}

func TestSandboxCPULimit(t *testing.T) {
	t.Parallel()
	sb := &Sandbox{CPU: time.Second, Timeout: time.Minute}
	opts := sandboxTestOptions(sb)
	opts.Timeout = 200 * time.Millisecond // Guard gives up, the goroutine spins on
	checkSandboxFailure(t, sb, opts, "spin.pdf", ErrTimeout, "parser exceeded its CPU time limit of 1s")
}

// TestSandboxCallerCancel: the caller's cancellation kills the child and
// is reported as such, not as a crash.
func TestSandboxCallerCancel(t *testing.T) {
	t.Parallel()
	sb := &Sandbox{Timeout: time.Minute}
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	_, err := Bytes(ctx, "hang.pdf", []byte("%PDF-1.4"), sandboxTestOptions(sb))
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrPanic) {
		t.Fatalf("error = %v, want the caller's deadline", err)
	}
}

// TestSandboxMatchesInProcess: real documents extract to the same
// Document in and out of the sandbox.
func TestSandboxMatchesInProcess(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(sharedtest.DataDir(t), "docs")
	var files []string
	for _, pattern := range []string{"*.pdf", "*.docx", "*.md", "*.txt"} {
		m, _ := filepath.Glob(filepath.Join(dir, pattern))
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Skip("no documents in the shared corpus")
	}
	opts := DefaultOptions()
	opts.OCR = false
	sandboxed := opts
	sandboxed.Sandbox = &Sandbox{}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			compareSandbox(t, path, opts, sandboxed)
		})
	}
}

// TestSandboxHostileFilesSameErrors: the hostile corpus gives the same
// documents and per-file errors in the sandbox as in process.
func TestSandboxHostileFilesSameErrors(t *testing.T) {
	t.Parallel()
	var files []string
	err := filepath.WalkDir(filepath.Join(sharedtest.DataDir(t), "hostile"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Skipf("no hostile files (%v)", err)
	}
	opts := DefaultOptions()
	opts.OCR = false
	sandboxed := opts
	sandboxed.Sandbox = &Sandbox{}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			compareSandbox(t, path, opts, sandboxed)
		})
	}
}

// compareSandbox extracts path in process and in the sandbox and wants
// the same document, or the same error message wrapping the same kinds.
func compareSandbox(t *testing.T, path string, in, out Options) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, wantErr := Bytes(t.Context(), path, data, in)
	got, gotErr := Bytes(t.Context(), path, data, out)
	if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
		t.Fatalf("sandbox error %v, in process %v", gotErr, wantErr)
	}
	if wantErr != nil {
		for _, k := range wireKinds {
			if errors.Is(wantErr, k) != errors.Is(gotErr, k) {
				t.Errorf("errors.Is(%v): sandbox %v, in process %v", k, errors.Is(gotErr, k), errors.Is(wantErr, k))
			}
		}
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sandbox document differs: %d blocks, title %q, warnings %q; in process %d blocks, title %q, warnings %q",
			len(got.Blocks), got.Title, got.Warnings, len(want.Blocks), want.Title, want.Warnings)
	}
}

// TestSandboxOCR: the child may start pdftoppm and tesseract, within its
// limits, and a scanned page is still read.
func TestSandboxOCR(t *testing.T) {
	t.Parallel()
	path := filepath.Join(sharedtest.DataDir(t), "docs", "scanned", "de_muenchen_Buergerversammlung_scan_2.pdf")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skip(err)
	}
	opts := DefaultOptions()
	if ok, why := pdftext.OCRAvailable(t.Context(), pdfOptions(opts)); !ok {
		t.Skipf("OCR not available: %s", why)
	}
	opts.Sandbox = &Sandbox{}
	doc, err := Bytes(t.Context(), path, data, opts)
	if err != nil {
		t.Fatalf("OCR in the sandbox: %v", err)
	}
	var text strings.Builder
	for _, b := range doc.Blocks {
		if b.OCR {
			text.WriteString(b.Text + "\n")
		}
	}
	if !strings.Contains(text.String(), "Sozialreferat") {
		t.Errorf("OCR text lacks %q (warnings %q):\n%s", "Sozialreferat", doc.Warnings, text.String())
	}
}

func TestChildEnvDropsSecrets(t *testing.T) {
	t.Parallel()
	got := childEnv([]string{"PATH=/usr/bin", "CIVITAS_DATABASE_URL=postgres://u:secret@db/x", "TESSDATA_PREFIX=/t", "PGPASSWORD=x"})
	want := []string{"GOMAXPROCS=2", "PATH=/usr/bin", "TESSDATA_PREFIX=/t"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("childEnv = %q, want %q", got, want)
	}
}

// TestReplyError: a child's error keeps its sentinels for errors.Is, and
// its message is held to the usual form whatever the child sent.
func TestReplyError(t *testing.T) {
	t.Parallel()
	err := replyError("a.pdf", childReply{Err: "extract a.pdf: bad\x00 xref: damaged", Kinds: []int{2, 99, -1}})
	if !errors.Is(err, ErrCorrupt) || errors.Is(err, ErrPanic) {
		t.Errorf("errors.Is: corrupt %v, panic %v; want true, false", errors.Is(err, ErrCorrupt), errors.Is(err, ErrPanic))
	}
	if strings.ContainsRune(err.Error(), 0) {
		t.Errorf("message %q keeps a NUL", err)
	}
	if err := replyError("a.pdf", childReply{Err: "something else"}); err.Error() != "extract a.pdf: something else" {
		t.Errorf("message %q does not begin with the file name", err)
	}
}
