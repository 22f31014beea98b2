package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/sources"
)

const sourcesUsage = `usage: assistant sources COMMAND [NAME] [flags]

  list [--json]               every source with its last run, next run and counts
  add NAME --kind KIND --url URL --collection C [--groups a,b] [--every 1h | --cron "0 2 * * *"]
           [--include GLOB]... [--exclude GLOB]... [--setting KEY=VALUE]... [--credentials file:/path|env:NAME] [--allow-remote]
                              add a source (kinds: folder, webdav, s3, web, oparl)
  sync NAME [--wait] [--json] queue a sync; --wait runs it here and prints the run summary
  rm NAME                     remove a source (its documents stay in the collection)`

type globList []string

func (g *globList) String() string     { return strings.Join(*g, ",") }
func (g *globList) Set(v string) error { *g = append(*g, v); return nil }

// settingList is the repeatable --setting KEY=VALUE of `sources add`: a
// number or true/false is stored as such, anything else as text (the
// kind checks the keys and types).
type settingList map[string]any

func (s settingList) String() string { return fmt.Sprint(map[string]any(s)) }
func (s settingList) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	k = strings.TrimSpace(k)
	if n, err := strconv.ParseInt(val, 10, 64); err == nil {
		s[k] = n
	} else if b, err := strconv.ParseBool(val); err == nil {
		s[k] = b
	} else {
		s[k] = val
	}
	return nil
}

// runSources is `assistant sources ...`.
func (m *Main) runSources(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(m.Stderr, sourcesUsage)
		return flag.ErrHelp
	}
	cmd, rest := args[0], args[1:]
	var name string
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		name, rest = rest[0], rest[1:]
	}
	var src sources.Source
	var groups, every string
	var include, exclude globList
	settings := settingList{}
	var wait, asJSON bool
	cfg, fs, err := config.Load("assistant", rest, m.Getenv, m.Stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&src.Kind, "kind", "", "add: the kind of source")
		fs.StringVar(&src.URL, "url", "", "add: where the source is (a folder path, a WebDAV collection, http(s)://host/bucket/prefix)")
		fs.StringVar(&src.Collection, "collection", "", "add: the collection it fills")
		fs.StringVar(&groups, "groups", "", "add: access groups of its documents, comma-separated (none: public)")
		fs.StringVar(&every, "every", "", "add: sync interval, e.g. 1h")
		fs.StringVar(&src.Cron, "cron", "", "add: sync schedule as a cron expression (minute hour day month weekday)")
		fs.Var(&include, "include", "add: only keys matching this glob (repeatable)")
		fs.Var(settings, "setting", "add: a setting of the kind as KEY=VALUE (repeatable), e.g. max_depth=2 for web, meetings=true for oparl")
		fs.Var(&exclude, "exclude", "add: leave out keys matching this glob (repeatable)")
		fs.StringVar(&src.Credentials, "credentials", "", "add: where the credentials are: file:/path or env:NAME holding USER:SECRET")
		fs.BoolVar(&src.AllowRemote, "allow-remote", false, "add: allow a host outside the local and private networks")
		fs.BoolVar(&wait, "wait", false, "sync: run the sync in this process and print its summary")
		fs.BoolVar(&asJSON, "json", false, "list, sync: print JSON")
	})
	if err != nil {
		return err
	}
	if name == "" && fs.NArg() > 0 {
		name = fs.Arg(0)
	}
	if cmd != "list" && name == "" {
		return fmt.Errorf("sources %s: no NAME given\n%s", cmd, sourcesUsage)
	}
	log := cfg.NewLogger(m.Stderr).With("app", "civitas-sources")
	c, err := openCore(ctx, cfg, 4, log)
	if err != nil {
		return err
	}
	defer c.close()
	ctx = audit.WithActor(ctx, audit.CommandActor("sources", m.Getenv))
	st := c.sources.Store()
	switch cmd {
	case "list":
		list, err := st.List(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			return writeJSONTo(m.Stdout, list)
		}
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tKIND\tCOLLECTION\tENABLED\tLAST RUN\tSTATUS\tADDED\tUPDATED\tUNCHANGED\tREMOVED\tFAILED\tNEXT RUN\tERROR")
		for _, s := range list {
			last, status, next := "-", "-", "-"
			var r sources.Run
			if s.LastRun != nil {
				r = *s.LastRun
				last, status = r.StartedAt.Format(time.DateTime), r.Status
			}
			if s.NextRunAt != nil {
				next = s.NextRunAt.Format(time.DateTime)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%t\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%.60s\n", s.Name, s.Kind, s.Collection, s.Enabled,
				last, status, r.Added, r.Updated, r.Unchanged, r.Removed, r.Failed, next, r.Error)
		}
		return tw.Flush()
	case "add":
		src.Name, src.Enabled = name, true
		src.Groups, src.Include, src.Exclude = config.SplitList(groups), include, exclude
		if len(settings) > 0 {
			src.Settings = settings
		}
		if every != "" {
			d, err := time.ParseDuration(every)
			if err != nil || d < time.Minute {
				return errors.New("--every: want a duration of at least 1m, e.g. 1h")
			}
			src.EverySecs = int(d.Seconds())
		}
		if src.Kind == "" || src.URL == "" || src.Collection == "" {
			return fmt.Errorf("sources add: --kind, --url and --collection are required\n%s", sourcesUsage)
		}
		if err := c.sources.Validate(ctx, src); err != nil {
			return err
		}
		src.NextRunAt = sources.NextRun(src, time.Now())
		id, err := st.Insert(ctx, src)
		if err != nil {
			return err
		}
		if err := auditSource(ctx, c, sources.ActionAdded, src); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "added source %s (id %d)\n", name, id)
		return nil
	case "rm":
		s, err := st.ByName(ctx, name)
		if err != nil {
			return fmt.Errorf("source %s: %w", name, err)
		}
		if err := st.Delete(ctx, s.ID); err != nil {
			return err
		}
		if err := auditSource(ctx, c, sources.ActionRemoved, s); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "removed source %s; its documents stay in collection %s\n", name, s.Collection)
		return nil
	case "sync":
		s, err := st.ByName(ctx, name)
		if err != nil {
			return fmt.Errorf("source %s: %w", name, err)
		}
		if err := auditSource(ctx, c, sources.ActionSyncRequested, s); err != nil {
			return err
		}
		if !wait {
			j, err := sources.Enqueue(ctx, c.queue, s.ID, audit.ActorFrom(ctx))
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "queued sync of %s as job %d\n", name, j.ID)
			return nil
		}
		run, err := c.sources.Sync(ctx, s.ID, 0)
		if err != nil {
			return err
		}
		if asJSON {
			return writeJSONTo(m.Stdout, run)
		}
		fmt.Fprintf(m.Stdout, "%s: %s in %.1fs: %d added, %d updated, %d unchanged, %d removed, %d failed, %d chunks\n",
			name, run.Status, run.Duration, run.Added, run.Updated, run.Unchanged, run.Removed, run.Failed, run.Chunks)
		for _, f := range run.Failures {
			fmt.Fprintf(m.Stdout, "  failed %s: %s\n", f.Key, f.Reason)
		}
		if run.Error != "" && run.Status == "failed" {
			return fmt.Errorf("sync %s failed: %s", name, run.Error)
		}
		return nil
	}
	return fmt.Errorf("sources: unknown command %q\n%s", cmd, sourcesUsage)
}

// auditSource records a change made from the command line, as the routes
// do for one made over HTTP (the actor is the command's).
func auditSource(ctx context.Context, c *core, action string, src sources.Source) error {
	if _, err := audit.Append(ctx, c.pool, audit.Event{Action: action, Target: sources.AuditTarget(src),
		Details: sources.AuditDetails(src)}); err != nil {
		return fmt.Errorf("audit %s of %s: %w", action, src.Name, err)
	}
	return nil
}
