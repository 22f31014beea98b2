package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/civitas-eu/civitas/internal/config"
)

// command is one subcommand of the assistant binary.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string) error
}

// commands is every subcommand, in the order --help lists them. Without
// one, the binary serves HTTP.
func (m *Main) commands() []command {
	return []command{
		{"migrate", "apply pending database migrations (as the schema's owner role) and exit", m.runMigrate},
		{"worker", "run the job queue (ingest, re-embed, retention) without serving HTTP", m.runWorker},
		{"models", "list, pull, import and switch chat and embedding models", m.runModels},
		{"eval", "measure retrieval (and answer) quality on a QA file", m.runEval},
		{"audit", "verify, export and hold the audit trail", m.runAudit},
		{"subject", "data-subject requests: export or erase one person's data", m.runSubject},
		{"sources", "add, list, sync and remove scheduled sources (folders, WebDAV, S3, websites, OParl)", m.runSources},
		{"transparency", "print the transparency record for the city's algorithm register (json or html)", m.runTransparency},
		{"healthcheck", "exit 0 when the server answers /readyz (for container health checks)", m.runHealthcheck},
		{"version", "print the version and exit", func(context.Context, []string) error { return m.printVersion() }},
	}
}

func commandNames(cs []command) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}

// withCommandsInUsage makes the server's --help list the subcommands after
// the settings.
func (m *Main) withCommandsInUsage(fs *flag.FlagSet) {
	fs.Usage = func() {
		fmt.Fprintf(m.Stderr, "Usage: assistant [subcommand] [flags]\n\nWith no subcommand, assistant serves HTTP. Subcommands (each has --help):\n\n")
		for _, c := range m.commands() {
			fmt.Fprintf(m.Stderr, "  %-12s %s\n", c.name, c.summary)
		}
		fmt.Fprintln(m.Stderr)
		config.PrintUsage(m.Stderr, "assistant", fs)
	}
}
