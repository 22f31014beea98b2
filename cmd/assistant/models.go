package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/inference"
	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/modeladmin"
	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/store"
)

const modelsUsage = `usage: assistant models COMMAND [flags] [ARGS]

  list                        installed models, their details and which are active
  status                      active models, the latest re-embed and recent changes
  pull NAME                   download a model from its registry
  import NAME FILE.gguf       create a model from a GGUF file on this machine
  use chat NAME               switch the chat model (after a probe chat)
  use embed NAME              re-embed every chunk with NAME, then switch to it;
                              inline with progress, or --background for a running assistant
  rm NAME                     remove a model that is not active
  drop-embeddings NAME        delete the stored vectors of a former embedding model

Flags go between COMMAND and its arguments, e.g. assistant models use --background embed bge-m3.`

// runModels is `assistant models ...`: the admin model commands, working
// on the database and Ollama directly through the same service as the
// admin API.
func (m *Main) runModels(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(m.Stderr, modelsUsage)
		return flag.ErrHelp
	}
	cmd := args[0]
	var background, asJSON bool
	by := m.Getenv("USER")
	cfg, fs, err := config.Load("assistant", args[1:], m.Getenv, m.Stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&background, "background", false, "use embed: queue the re-embed for a running assistant instead of running it here")
		fs.BoolVar(&asJSON, "json", false, "list, status: print JSON")
		fs.StringVar(&by, "by", by, "who the change is recorded as made by")
	}, config.AcceptArgs)
	if err != nil {
		return err
	}
	if by == "" {
		by = "cli"
	}
	pos := fs.Args()
	log := cfg.NewLogger(m.Stderr).With("app", "civitas-models")
	pool, err := connect(ctx, cfg, 4, log)
	if err != nil {
		return err
	}
	defer pool.Close()
	st, err := store.New(pool)
	if err != nil {
		return err
	}
	inf := inference.New(cfg, log)
	queue, err := jobs.New(pool, log, jobs.Config{}) // only enqueued to: the assistant runs it
	if err != nil {
		return err
	}
	active := modeladmin.NewActive(st, 0, log)
	svc := modeladmin.New(modeladmin.Deps{Store: st, Ollama: inf, Active: active, Queue: queue}, modelsConfig(cfg), log)
	if err := svc.Seed(ctx, cfg.ChatModel, cfg.EmbedModel); err != nil {
		return err
	}

	want := func(n int) error {
		if len(pos) != n {
			return fmt.Errorf("models %s: %d arguments given, want %d\n%s", cmd, len(pos), n, modelsUsage)
		}
		return nil
	}
	switch cmd {
	case "list":
		list, err := svc.List(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			return writeJSONTo(m.Stdout, list)
		}
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tSIZE\tFAMILY\tPARAMETERS\tQUANT\tCONTEXT\tEMBED DIMS\tACTIVE\tDIGEST")
		for _, x := range list {
			role := ""
			switch {
			case x.ActiveChat && x.ActiveEmbed:
				role = "chat+embed"
			case x.ActiveChat:
				role = "chat"
			case x.ActiveEmbed:
				role = "embed"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%.19s\n", x.Name, humanBytes(x.Size), x.Family, x.Parameters,
				x.Quantization, x.ContextLength, x.EmbeddingDims, role, x.Digest)
		}
		return tw.Flush()
	case "status":
		return m.modelsStatus(ctx, svc, asJSON)
	case "pull":
		if err := want(1); err != nil {
			return err
		}
		err := svc.Pull(ctx, pos[0], func(p ollama.Progress) error {
			if p.Total > 0 {
				fmt.Fprintf(m.Stderr, "\r%s %s/%s   ", p.Status, humanBytes(p.Completed), humanBytes(p.Total))
			} else {
				fmt.Fprintf(m.Stderr, "\r%-60s", p.Status)
			}
			return nil
		})
		fmt.Fprintln(m.Stderr)
		return err
	case "import":
		if err := want(2); err != nil {
			return err
		}
		digest, err := svc.Import(ctx, pos[0], pos[1], ollama.ImportOptions{})
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "imported %s as %s (%s)\n", pos[1], pos[0], digest)
		return nil
	case "rm":
		if err := want(1); err != nil {
			return err
		}
		return svc.Remove(ctx, pos[0])
	case "drop-embeddings":
		if err := want(1); err != nil {
			return err
		}
		n, err := svc.DropEmbeddings(ctx, pos[0])
		if err == nil {
			fmt.Fprintf(m.Stdout, "deleted %d vectors of %s\n", n, pos[0])
		}
		return err
	case "use":
		if err := want(2); err != nil {
			return err
		}
		return m.modelsUse(ctx, svc, pos[0], pos[1], by, background)
	default:
		return fmt.Errorf("models: unknown command %q\n%s", cmd, modelsUsage)
	}
}

// modelsUse switches the chat model, or re-embeds and switches the
// embedding model.
func (m *Main) modelsUse(ctx context.Context, svc *modeladmin.Service, role, name, by string, background bool) error {
	switch role {
	case store.RoleChat:
		c, err := svc.UseChat(ctx, name, by)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "chat model: %s -> %s (running assistants follow within seconds)\n", c.From, c.To)
		return nil
	case store.RoleEmbed:
		if background {
			j, err := svc.StartReembed(ctx, name, by)
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "re-embed with %s queued as job %d (%s); follow it with `assistant models status`\n", name, j.ID, j.Status)
			return nil
		}
		start := time.Now()
		res, err := svc.Reembed(ctx, name, by, func(_ context.Context, done, total int64, _ string) error {
			fmt.Fprintf(m.Stderr, "\r%s %d/%d chunks  %.0f chunks/s   ", bar(done, total, 30), done, total,
				float64(done)/max(time.Since(start).Seconds(), 0.001))
			return nil
		})
		fmt.Fprintln(m.Stderr)
		if err != nil {
			return err
		}
		if res.AwaitingConfirmation {
			g := res.Golden
			return fmt.Errorf("switch to %s held: on %d golden questions it finds hit@5 %.2f, MRR %.2f against %s's %.2f, %.2f; an admin confirms on the admin page (POST /api/admin/models/embed/confirm)",
				name, g.New.N, g.New.Hit5, g.New.MRR, g.Old.Model, g.Old.Hit5, g.Old.MRR)
		}
		if res.Switched {
			fmt.Fprintf(m.Stdout, "embedding model: %s -> %s; %d chunks embedded in %s\n", res.Change.From, res.Change.To, res.Embedded, res.Duration.Round(time.Millisecond))
		} else {
			fmt.Fprintf(m.Stdout, "%s was already active; %d missing vectors added\n", name, res.Embedded)
		}
		return nil
	default:
		return fmt.Errorf("models use: the role must be chat or embed, not %q", role)
	}
}

// modelsStatus prints the active models, the latest re-embed and the
// latest changes.
func (m *Main) modelsStatus(ctx context.Context, svc *modeladmin.Service, asJSON bool) error {
	chat, embed := svc.Active().Get()
	job, err := svc.LatestReembed(ctx)
	if err != nil {
		return err
	}
	changes, err := svc.Changes(ctx, 10)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSONTo(m.Stdout, map[string]any{"chat": chat, "embed": embed, "reembed": job, "changes": changes})
	}
	fmt.Fprintf(m.Stdout, "chat:  %s (%.19s) since %s by %s\n", chat.Model, chat.Digest, chat.Since.Format(time.DateTime), chat.ChangedBy)
	fmt.Fprintf(m.Stdout, "embed: %s (%.19s) since %s by %s\n", embed.Model, embed.Digest, embed.Since.Format(time.DateTime), embed.ChangedBy)
	if job != nil {
		var a modeladmin.ReembedArgs
		_ = json.Unmarshal(job.Args, &a)
		fmt.Fprintf(m.Stdout, "re-embed: job %d with %s: %s, %d/%d chunks %s\n", job.ID, a.Model, job.Status, job.Progress.Done, job.Progress.Total, job.Error)
	}
	fmt.Fprintln(m.Stdout, "changes:")
	for _, c := range changes {
		fmt.Fprintf(m.Stdout, "  %s  %-5s %s -> %s  by %s  %s\n", c.At.Format(time.DateTime), c.Role, orDash(c.From), c.To, c.By, c.Note)
	}
	return nil
}

// writeJSONTo writes v as indented JSON: the --json output of every
// subcommand.
func writeJSONTo(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func bar(done, total int64, width int) string {
	n := width
	if total > 0 {
		n = int(int64(width) * min(done, total) / total)
	}
	b := make([]byte, width)
	for i := range b {
		b[i] = '.'
		if i < n {
			b[i] = '#'
		}
	}
	return "[" + string(b) + "]"
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for x := n / unit; x >= unit; x /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
