package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/egress"
	"github.com/civitas-eu/civitas/internal/extract"
	"github.com/civitas-eu/civitas/internal/inference"
	"github.com/civitas-eu/civitas/internal/ingest"
	"github.com/civitas-eu/civitas/internal/modeladmin"
	"github.com/civitas-eu/civitas/internal/originals"
	"github.com/civitas-eu/civitas/internal/store"
)

var (
	errUsage       = errors.New("usage")
	errFilesFailed = errors.New("some files failed")
)

// Main is the whole ingest program, runnable from a test.
type Main struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	*l = append(*l, config.SplitList(v)...)
	return nil
}

type flags struct {
	collection, language string
	groups, incl, excl   listFlag
	prune, dryRun, force bool
	noOCR, json, quiet   bool
	lexicalOnly          bool
	updateMeta           bool   // --update-metadata (metadata.go)
	title                string // with --update-metadata
	workers, batch       int
	maxMB                int64
	timeout, lease       time.Duration
}

func (f *flags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.collection, "collection", "default", "collection the documents belong to")
	fs.Var(&f.groups, "groups", "access groups stored on each document, comma-separated (none: visible to everyone)")
	fs.StringVar(&f.language, "language", "", "ISO 639-1 language of every document (de, fr, ...); default: detected per document")
	fs.Var(&f.incl, "include", "only files matching this glob (base name or full path); repeatable")
	fs.Var(&f.excl, "exclude", "skip files matching this glob; repeatable")
	fs.BoolVar(&f.prune, "prune", false, "remove documents whose files no longer exist under the given folders")
	fs.BoolVar(&f.dryRun, "dry-run", false, "report what would change without writing anything")
	fs.BoolVar(&f.force, "force", false, "re-process files even when their content is unchanged")
	fs.IntVar(&f.workers, "workers", 2, "files extracted in parallel")
	fs.IntVar(&f.batch, "batch-size", 32, "chunks per embedding request")
	fs.Int64Var(&f.maxMB, "max-size", 200, "largest file accepted, in MB")
	fs.DurationVar(&f.timeout, "timeout", 2*time.Minute, "longest extraction of one file")
	fs.DurationVar(&f.lease, "lease", 2*time.Minute, "how long a claim on a document outlives a crashed process on another host")
	fs.BoolVar(&f.lexicalOnly, "lexical-only", false, "store chunks without vectors (no embedding model yet); a later run with a model adds them")
	fs.BoolVar(&f.noOCR, "no-ocr", false, "do not OCR scanned pages even when tesseract is installed")
	fs.BoolVar(&f.json, "json", false, "print the report as JSON on stdout")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress output")
	fs.BoolVar(&f.updateMeta, "update-metadata", false, "change the title (--title), collection (--collection) and access groups (--groups) of the documents whose ids are given, in place, without re-embedding")
	fs.StringVar(&f.title, "title", "", "with --update-metadata: the documents' new title")
}

// Run ingests the files and folders named in args.
func (m *Main) Run(ctx context.Context, args []string) error {
	if isVersion(args) {
		fmt.Fprintln(m.Stdout, "civitas ingest", version)
		return nil
	}
	var f flags
	cfg, fs, err := config.Load("ingest", interleave(args), m.Getenv, m.Stderr, f.register, config.AcceptArgs)
	if err != nil {
		return err
	}
	if f.updateMeta {
		return m.updateMetadata(ctx, cfg, fs, f)
	}
	roots := fs.Args()
	if len(roots) == 0 {
		config.PrintUsage(m.Stderr, "ingest", fs)
		return fmt.Errorf("%w: give the files or folders to ingest, e.g. `ingest --collection ordinances /srv/documents`", errUsage)
	}
	if f.workers < 1 || f.batch < 1 || f.maxMB < 1 {
		return fmt.Errorf("%w: --workers, --batch-size and --max-size must be at least 1", errUsage)
	}
	log := cfg.NewLogger(m.Stderr).With("app", "civitas-ingest")
	log.Debug("starting Civitas ingest", cfg.LogAttrs()...)
	if err := egress.CheckConfig(ctx, cfg, nil); err != nil {
		return err
	}
	// Document changes are recorded in the audit trail under this name.
	ctx = audit.WithActor(ctx, audit.CommandActor("ingest", m.Getenv))

	pool, err := store.Connect(ctx, cfg.DatabaseURL, 8, cfg.Migrate, log)
	if err != nil {
		return err
	}
	defer pool.Close()
	st, err := store.New(pool, store.WithVectorType(cfg.Database.VectorType))
	if err != nil {
		return err
	}
	// The originals of the files go where every replica opens them.
	orig, err := originals.OpenConfigured(ctx, cfg.Originals, pool)
	if err != nil {
		return err
	}
	// Batches are spread over every embedding host (--embed-url), so one
	// ingest keeps them all busy.
	in := ingest.New(st, inference.New(cfg, log).EmbedPool, log)
	// Chunks are embedded with the model retrieval searches: the active
	// one an admin chose, which --embed-model only seeds.
	embedModel, err := modeladmin.EmbedModelFor(ctx, st, cfg.EmbedModel, log)
	if err != nil {
		return err
	}

	opts := ingest.Options{
		Roots: roots, Collection: f.collection, Groups: f.groups, Language: strings.ToLower(f.language),
		Include: f.incl, Exclude: f.excl, Prune: f.prune, DryRun: f.dryRun, Force: f.force,
		Workers: f.workers, BatchSize: f.batch, EmbedModel: embedModel, Lease: f.lease, LexicalOnly: f.lexicalOnly,
		ActiveEmbedModel: func(ctx context.Context) (string, error) { return modeladmin.EmbedModelFor(ctx, st, "", nil) },
		Extract:          extract.DefaultOptions(),
	}
	opts.Extract.MaxBytes = f.maxMB << 20
	opts.Extract.Timeout = f.timeout
	opts.Extract.OCR = !f.noOCR
	opts.Extract.Sandbox = sandbox(cfg.Parse)

	if !f.quiet {
		in.Progress = ingest.NewProgress(m.Stderr, isTerminal(m.Stderr))
		in.Progress.Start()
	}
	report, runErr := in.Run(ctx, opts)
	if in.Progress != nil {
		in.Progress.Stop()
	}
	if report != nil {
		if f.json {
			if err := report.WriteJSON(m.Stdout); err != nil {
				return err
			}
		}
		report.WriteSummary(m.Stderr)
	}
	if runErr != nil {
		return fmt.Errorf("ingest stopped: %w", runErr)
	}
	if !f.dryRun {
		n, err := keepOriginals(ctx, st, orig, report, log)
		log.Debug("originals stored", "files", n)
		if err != nil {
			return err
		}
	}
	if report.Failed > 0 {
		return errFilesFailed
	}
	return nil
}

// sandbox is the parser process of --parse-*, or nil to parse in this
// process. Its child is this binary (main hands it to extract.RunChild).
func sandbox(p config.ParseConfig) *extract.Sandbox {
	if !p.Sandbox {
		return nil
	}
	return &extract.Sandbox{Memory: p.MemoryBytes, CPU: p.CPU, Timeout: p.Timeout}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
