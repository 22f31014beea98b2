package config

// How settings are shown: --help, the start-up log line and the logger
// they configure. Secret settings are redacted in all of them (Display).

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// PrintUsage writes the help text: every setting with its flag, its
// environment variable and its default, then the binary's own flags.
func PrintUsage(w io.Writer, program string, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Civitas %s\n\nUsage: %s [flags]\n\nSettings (a flag wins over its environment variable):\n\n", program, program)
	known := map[string]bool{}
	for _, s := range For(program) {
		known[s.Flag] = true
		printSetting(w, "--"+s.Flag, s.Env, s.Usage, s.Display(s.Default))
	}
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if known[f.Name] {
			return
		}
		if first {
			fmt.Fprintf(w, "Flags of %s:\n\n", program)
			first = false
		}
		printSetting(w, "--"+f.Name, "", f.Usage, f.DefValue)
	})
}

func printSetting(w io.Writer, flagName, env, usage, def string) {
	if env != "" {
		fmt.Fprintf(w, "  %s  (env %s)\n", flagName, env)
	} else {
		fmt.Fprintf(w, "  %s\n", flagName)
	}
	fmt.Fprintf(w, "      %s\n", usage)
	if def != "" {
		fmt.Fprintf(w, "      default: %s\n", def)
	}
	fmt.Fprintln(w)
}

// LogAttrs returns every setting of the binary with the value in force,
// as log attributes named after the flag (database_url, chat_model, ...),
// for the start-up log line. Secret settings are redacted: a URL keeps
// only its scheme, host and path; any other secret says only whether it
// is set.
func (c Config) LogAttrs() []any {
	attrs := make([]any, 0, len(c.effective))
	for _, e := range c.effective {
		attrs = append(attrs, slog.String(strings.ReplaceAll(e.s.Flag, "-", "_"), e.s.Display(e.value)))
	}
	return attrs
}

// Display is how a value of this setting may be shown in logs and
// --help: as it is, or redacted when the setting is secret.
func (s Setting) Display(v string) string {
	switch {
	case !s.Secret:
		return v
	case v == "":
		return ""
	case strings.Contains(v, "://") || isPostgres(v):
		return RedactURL(v)
	default:
		return "(set, redacted)"
	}
}

// NewLogger builds the slog.Logger described by the configuration.
func (c Config) NewLogger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
