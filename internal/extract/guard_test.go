package extract

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// fakeLoader is a Loader whose behaviour each test sets.
type fakeLoader struct {
	LoadFunc func(ctx context.Context, name string, data []byte) (*Document, error)
}

var _ Loader = fakeLoader{}

func (f fakeLoader) Load(ctx context.Context, name string, data []byte) (*Document, error) {
	return f.LoadFunc(ctx, name, data)
}

func TestGuardErrors(t *testing.T) {
	t.Parallel()
	opts := Options{MaxBytes: 100, Timeout: 100 * time.Millisecond}
	stuck := make(chan struct{})
	t.Cleanup(func() { close(stuck) })
	tests := []struct {
		name string
		load func(ctx context.Context, name string, data []byte) (*Document, error)
		data string
		want error
		says string
	}{
		{
			name: "panic",
			load: func(context.Context, string, []byte) (*Document, error) { panic("index out of range [7]") },
			want: ErrPanic,
			says: "extract report.docx: loader crashed: index out of range [7]",
		},
		{
			name: "blocks until cancelled",
			load: func(ctx context.Context, _ string, _ []byte) (*Document, error) {
				<-ctx.Done()
				return nil, ctx.Err()
			},
			want: ErrTimeout,
			says: "gave up after 100ms",
		},
		{
			name: "ignores its context",
			load: func(context.Context, string, []byte) (*Document, error) {
				<-stuck // a loader deaf to its context: Guard must still return
				return nil, nil
			},
			want: ErrTimeout,
			says: "extract report.docx: gave up after 100ms",
		},
		{
			name: "too large, never loaded",
			load: func(context.Context, string, []byte) (*Document, error) { panic("must not be called") },
			data: strings.Repeat("x", 101),
			want: ErrTooLarge,
			says: "101 bytes, limit 100",
		},
		{
			name: "loader error keeps its sentinel",
			load: func(context.Context, string, []byte) (*Document, error) {
				return nil, fmt.Errorf("xref table: %w", ErrCorrupt)
			},
			want: ErrCorrupt,
			says: "extract report.docx: xref table: damaged",
		},
		{
			name: "nil document",
			load: func(context.Context, string, []byte) (*Document, error) { return nil, nil },
			want: ErrCorrupt,
			says: "no document",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			_, err := Guard(context.Background(), "report.docx", opts, fakeLoader{tt.load}, []byte(tt.data))
			if err == nil {
				t.Fatal("Guard succeeded, want an error")
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("Guard = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q does not say %q", err, tt.says)
			}
			// The deadline is 100 ms; allow for a loaded -race machine.
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Guard took %v", d)
			}
		})
	}
}

func TestGuardCallerCancels(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	go func() {
		<-started
		cancel()
	}()
	_, err := Guard(ctx, "a.pdf", Options{Timeout: time.Hour}, fakeLoader{func(ctx context.Context, _ string, _ []byte) (*Document, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	}}, nil)
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
		t.Errorf("Guard = %v, want context.Canceled and not ErrTimeout", err)
	}
}

func TestGuardCleansDocument(t *testing.T) {
	t.Parallel()
	loader := fakeLoader{func(context.Context, string, []byte) (*Document, error) {
		return &Document{
			Language: "FR-fr",
			Blocks: []Block{
				{Kind: Paragraph, Level: 3, Text: "  \x00 "},
				{Kind: Heading, Level: 0, Text: "Titre\x00 \xff"},
				{Kind: TableRow, Text: "a\r\nb", Page: -2},
				{Kind: ListItem, Text: ""},
			},
			Warnings: []string{"page 3\x00 has no text"},
		}, nil
	}}
	doc, err := Guard(context.Background(), "x.pdf", Options{}, loader, []byte("data"))
	if err != nil {
		t.Fatalf("Guard: %v", err)
	}
	want := []Block{{Kind: Heading, Level: 1, Text: "Titre \uFFFD"}, {Kind: TableRow, Text: "a\nb"}}
	if len(doc.Blocks) != len(want) || doc.Blocks[0] != want[0] || doc.Blocks[1] != want[1] {
		t.Errorf("blocks = %+v, want %+v", doc.Blocks, want)
	}
	if doc.Title != "Titre \uFFFD" || doc.Language != "fr" || len(doc.Warnings) != 1 || doc.Warnings[0] != "page 3 has no text" {
		t.Errorf("title %q, language %q, warnings %q", doc.Title, doc.Language, doc.Warnings)
	}
}

func TestGuardKeepsLoaderSentinels(t *testing.T) {
	t.Parallel()
	for _, sentinel := range []error{ErrEncrypted, ErrNoText, ErrNoPages, ErrUnsupported} {
		_, err := Guard(context.Background(), "f", Options{}, fakeLoader{func(context.Context, string, []byte) (*Document, error) {
			return nil, errors.Join(errors.New("detail"), sentinel)
		}}, nil)
		if !errors.Is(err, sentinel) || !strings.HasPrefix(err.Error(), "extract f: ") {
			t.Errorf("Guard = %v, want it to wrap %v", err, sentinel)
		}
	}
}
