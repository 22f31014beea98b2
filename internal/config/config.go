// Package config defines every setting of Civitas in one table, reads them
// from command-line flags and environment variables (flags win), validates
// them and documents them for --help.
//
// There is no global configuration: Load returns a Config value that main
// passes to constructors, so a test can build any Config it needs.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Defaults point at the local stack that `make up` starts, so that after
// `make up` both binaries run with no flags at all. The embedding default is
// the random-weights test model: on these machines it embeds ~100x faster
// than stories260k (whose 512-token vocabulary spends a token per letter),
// and neither model's vectors mean anything.
const (
	DefaultDatabaseURL = "postgres://postgres:postgres@127.0.0.1:55432/postgres?sslmode=disable&default_query_exec_mode=simple_protocol"
	DefaultOllamaURL   = "http://127.0.0.1:11435"
	DefaultChatModel   = "stories260k"
	DefaultEmbedModel  = "llama-2-tiny-random"
	DefaultListen      = "127.0.0.1:8080"
)

// Config holds the settings shared by cmd/assistant and cmd/ingest.
type Config struct {
	// DatabaseURL is the PostgreSQL connection string (pgx syntax).
	DatabaseURL string
	// OllamaURL is the base URL of the Ollama server.
	OllamaURL *url.URL
	// ChatModel names the Ollama model that writes answers.
	ChatModel string
	// EmbedModel names the Ollama model that embeds chunks and questions.
	EmbedModel string
	// Listen is the host:port the assistant's HTTP server binds to.
	Listen string
	// PromptsDir, when set, overrides the built-in prompt templates.
	PromptsDir string
	// LogLevel is the minimum level logged.
	LogLevel slog.Level
	// LogFormat is "text" or "json".
	LogFormat string

	// Assistant only.

	// ProxyAuth trusts identity headers set by an authenticating reverse
	// proxy; UserHeader and GroupsHeader name them.
	ProxyAuth    bool
	UserHeader   string
	GroupsHeader string
	// DevUser and DevGroups identify every request when ProxyAuth is off.
	DevUser   string
	DevGroups []string
	// Auth holds the sign-in settings (auth.go).
	Auth AuthConfig
	// ContextBudget is how many tokens of passages go into a prompt.
	ContextBudget int
	// DefaultLanguage answers questions whose language cannot be detected.
	DefaultLanguage string
	// MaxAnswerTokens bounds the length of one generated answer.
	MaxAnswerTokens int
	// MinSimilarity is the question similarity from which a passage found
	// only by vector search counts as relevant.
	MinSimilarity float64
	// ReembedBatch and ReembedPause throttle the re-embed that switches
	// the embedding model: chunks per step, and the pause between steps.
	ReembedBatch int
	ReembedPause time.Duration
	// ModelsImportDir is where admins may import GGUF files from over the
	// API; "" turns API imports off.
	ModelsImportDir string
	// UploadDir is scratch space for uploads; it also names uploaded
	// documents (their originals are in the originals store).
	UploadDir string
	// MaxUploadBytes bounds one uploaded file; MaxUploadRequestBytes one
	// upload request, all its files together.
	MaxUploadBytes        int64
	MaxUploadRequestBytes int64

	// AllowRemoteHosts are hosts outside loopback and private ranges that
	// the egress guard lets the binaries reach (internal/egress).
	AllowRemoteHosts []string
	// RetentionDays is how long conversations and answer records are kept
	// as they are; 0 keeps them. RetentionAction is what happens after:
	// "pseudonymise" or "delete" (internal/privacy).
	RetentionDays   int
	RetentionAction string
	// PseudonymKey keys the pseudonyms of retention and erasure; empty
	// means a random key kept in the database.
	PseudonymKey string
	// Migrate applies pending migrations at start-up; off, start-up only
	// checks that none is pending (servers running as a role without DDL
	// rights, with `assistant migrate` run by the owner role).
	Migrate bool
	// RunJobs runs the job queue's handlers in this server; off, the
	// server only enqueues and `assistant worker` runs them (jobs.go).
	RunJobs bool

	// Parse bounds the parsing of document files (parse.go).
	Parse ParseConfig

	// Limits bound requests and answers (limits.go).
	Limits LimitsConfig

	// Originals says where original files are kept (originals.go).
	Originals OriginalsConfig

	// Shutdown is the SIGTERM sequence and stream keep-alives (shutdown.go).
	Shutdown ShutdownConfig
	// Insight is the feedback review and gaps report (insight.go).
	Insight InsightConfig

	// Database holds the read replica and vector index settings
	// (database.go).
	Database DatabaseConfig

	// Sources are the settings of scheduled sources (sources.go).
	Sources SourcesConfig

	// Inference holds the chat and embedding backends (inference.go).
	Inference InferenceConfig

	// Rerank is the optional reranking stage (rerank.go); Queue the
	// generation queue (queue.go).
	Rerank RerankConfig
	Queue  QueueConfig

	// effective is every setting of the binary with the value in force,
	// for the start-up log (LogAttrs).
	effective []effectiveSetting
}

// effectiveSetting is one setting and the value it was given.
type effectiveSetting struct {
	s     Setting
	value string
}

// Setting documents one configuration value: its flag, its environment
// variable, its default and what it does. The same table drives flag
// registration, --help and the start-up log.
type Setting struct {
	Flag    string
	Env     string
	Default string
	Usage   string
	// Secret settings are redacted when logged.
	Secret bool
	// Only names the one binary the setting belongs to; "" means both.
	Only string
	// set stores the raw string into the Config under construction.
	set func(c *Config, v string) error
}

// Settings returns the table of every shared setting, in the order --help
// prints them.
func Settings() []Setting {
	return append([]Setting{
		{Flag: "database-url", Env: "CIVITAS_DATABASE_URL", Default: DefaultDatabaseURL, Secret: true,
			Usage: "PostgreSQL connection URL (the database needs the pgvector extension)",
			set:   func(c *Config, v string) error { c.DatabaseURL = v; return nil }},
		{Flag: "ollama-url", Env: "CIVITAS_OLLAMA_URL", Default: DefaultOllamaURL,
			Usage: "base URL of the Ollama server",
			set:   setOllamaURL},
		{Flag: "chat-model", Only: "assistant", Env: "CIVITAS_CHAT_MODEL", Default: DefaultChatModel,
			Usage: "Ollama model that writes answers",
			set:   func(c *Config, v string) error { c.ChatModel = v; return nil }},
		{Flag: "embed-model", Env: "CIVITAS_EMBED_MODEL", Default: DefaultEmbedModel,
			Usage: "Ollama model that embeds document chunks and questions",
			set:   func(c *Config, v string) error { c.EmbedModel = v; return nil }},
		{Flag: "listen", Only: "assistant", Env: "CIVITAS_LISTEN", Default: DefaultListen,
			Usage: "host:port the assistant's HTTP server listens on",
			set:   setListen},
		{Flag: "prompts-dir", Only: "assistant", Env: "CIVITAS_PROMPTS_DIR", Default: "",
			Usage: "directory whose *.tmpl files override the built-in prompt templates",
			set:   setPromptsDir},
		{Flag: "log-level", Env: "CIVITAS_LOG_LEVEL", Default: "info",
			Usage: "minimum log level: debug, info, warn or error",
			set:   setLogLevel},
		{Flag: "log-format", Env: "CIVITAS_LOG_FORMAT", Default: "text",
			Usage: "log format: text or json",
			set:   setLogFormat},
		{Flag: "migrate", Env: "CIVITAS_MIGRATE", Default: "true",
			Usage: "apply pending database migrations at start-up; false: refuse to start while any is pending (run `assistant migrate` as the schema's owner role, and the servers as a role without DDL rights)",
			set:   func(c *Config, v string) (err error) { c.Migrate, err = strconv.ParseBool(v); return }},
		{Flag: "allow-remote-host", Env: "CIVITAS_ALLOW_REMOTE_HOSTS", Default: "",
			Usage: "hosts outside loopback and private networks that the Ollama or database URL may name, comma-separated (by default such hosts are refused at start-up)",
			set:   func(c *Config, v string) error { c.AllowRemoteHosts = SplitList(v); return nil }},
		{Flag: "auth-proxy-headers", Env: "CIVITAS_AUTH_PROXY_HEADERS", Default: "false", Only: "assistant",
			Usage: "trust the user and groups headers of an authenticating reverse proxy; requests without them are refused",
			set:   func(c *Config, v string) (err error) { c.ProxyAuth, err = strconv.ParseBool(v); return }},
		{Flag: "auth-user-header", Env: "CIVITAS_AUTH_USER_HEADER", Default: "X-Forwarded-User", Only: "assistant",
			Usage: "header carrying the user name (with --auth-proxy-headers)",
			set:   func(c *Config, v string) error { c.UserHeader = v; return nil }},
		{Flag: "auth-groups-header", Env: "CIVITAS_AUTH_GROUPS_HEADER", Default: "X-Forwarded-Groups", Only: "assistant",
			Usage: "header carrying the user's groups, comma-separated (with --auth-proxy-headers)",
			set:   func(c *Config, v string) error { c.GroupsHeader = v; return nil }},
		{Flag: "dev-user", Env: "CIVITAS_DEV_USER", Default: "dev", Only: "assistant",
			Usage: "user every request is attributed to when proxy headers are off (development)",
			set:   func(c *Config, v string) error { c.DevUser = v; return nil }},
		{Flag: "dev-groups", Env: "CIVITAS_DEV_GROUPS", Default: "", Only: "assistant",
			Usage: "groups of the development user, comma-separated",
			set:   func(c *Config, v string) error { c.DevGroups = SplitList(v); return nil }},
		{Flag: "context-budget", Env: "CIVITAS_CONTEXT_BUDGET", Default: "1500", Only: "assistant",
			Usage: "tokens of document passages put into a prompt (on CPU servers prompt evaluation dominates time to first token)",
			set:   intBetween(100, 100000, "tokens", func(c *Config) *int { return &c.ContextBudget })},
		{Flag: "max-answer-tokens", Env: "CIVITAS_MAX_ANSWER_TOKENS", Default: "1024", Only: "assistant",
			Usage: "most tokens one answer may generate",
			set:   intBetween(16, 32768, "", func(c *Config) *int { return &c.MaxAnswerTokens })},
		{Flag: "min-similarity", Env: "CIVITAS_MIN_SIMILARITY", Default: "0.5", Only: "assistant",
			Usage: "cosine similarity from which a passage matching no words of a question still counts as relevant (tune per embedding model; above 1: words only)",
			set: func(c *Config, v string) error {
				f, err := strconv.ParseFloat(v, 64)
				if err == nil && (f <= 0 || f > 2) {
					err = errors.New("want a number in (0, 2]")
				}
				c.MinSimilarity = f
				return err
			}},
		{Flag: "upload-dir", Env: "CIVITAS_UPLOAD_DIR", Default: ".state/uploads", Only: "assistant",
			Usage: "scratch folder for uploads being checked and files being ingested; the originals live in the --originals store. Give every replica the same path: it names uploaded documents",
			set:   func(c *Config, v string) error { c.UploadDir = v; return nil }},
		{Flag: "max-upload-size", Env: "CIVITAS_MAX_UPLOAD_SIZE", Default: "100", Only: "assistant",
			Usage: "largest file accepted on the documents page, in MiB",
			set:   func(c *Config, v string) (err error) { c.MaxUploadBytes, err = parseMiB(v); return }},
		{Flag: "max-upload-request-size", Env: "CIVITAS_MAX_UPLOAD_REQUEST_SIZE", Default: "1024", Only: "assistant",
			Usage: "largest upload request (all its files together), in MiB",
			set:   func(c *Config, v string) (err error) { c.MaxUploadRequestBytes, err = parseMiB(v); return }},
		{Flag: "retention-days", Env: "CIVITAS_RETENTION_DAYS", Default: "0", Only: "assistant",
			Usage: "days conversations and answer records are kept before --retention-action applies; 0 keeps them",
			set:   intBetween(0, 36500, "days", func(c *Config) *int { return &c.RetentionDays })},
		{Flag: "retention-action", Env: "CIVITAS_RETENTION_ACTION", Default: "pseudonymise", Only: "assistant",
			Usage: "what happens to records older than --retention-days: pseudonymise (keep provenance, drop names and texts) or delete",
			set: func(c *Config, v string) error {
				if v != "pseudonymise" && v != "delete" {
					return errors.New("want pseudonymise or delete")
				}
				c.RetentionAction = v
				return nil
			}},
		{Flag: "pseudonym-key", Env: "CIVITAS_PSEUDONYM_KEY", Default: "", Only: "assistant", Secret: true,
			Usage: "secret that keys user pseudonyms (keep it outside the database to make pseudonyms unlinkable for database readers); empty: a random key stored in the database",
			set:   func(c *Config, v string) error { c.PseudonymKey = v; return nil }},
		{Flag: "default-language", Env: "CIVITAS_DEFAULT_LANGUAGE", Default: "en", Only: "assistant",
			Usage: "language of answers when a question's language cannot be detected (ISO 639-1)",
			set:   func(c *Config, v string) error { c.DefaultLanguage = strings.ToLower(v); return nil }},
		{Flag: "reembed-batch", Env: "CIVITAS_REEMBED_BATCH", Default: "32", Only: "assistant",
			Usage: "chunks embedded per step when switching the embedding model",
			set:   intBetween(1, 4096, "", func(c *Config) *int { return &c.ReembedBatch })},
		{Flag: "reembed-pause", Env: "CIVITAS_REEMBED_PAUSE", Default: "100ms", Only: "assistant",
			Usage: "pause between re-embed steps, which leaves Ollama to chat requests (0 for none)",
			set: func(c *Config, v string) error {
				d, err := time.ParseDuration(v)
				if err == nil && d < 0 {
					err = errors.New("want a duration of 0 or more")
				}
				c.ReembedPause = d
				return err
			}},
		{Flag: "models-import-dir", Env: "CIVITAS_MODELS_IMPORT_DIR", Default: "", Only: "assistant",
			Usage: "folder GGUF model files are delivered to, which admins may import from over the API (empty: API imports off)",
			set:   func(c *Config, v string) error { c.ModelsImportDir = v; return nil }},
	}, slices.Concat(authSettings(),
		parseSettings(), limitsSettings(),
		originalsSettings(), jobsSettings(), shutdownSettings(), databaseSettings(), insightSettings(), sourcesSettings(), inferenceSettings(), rerankSettings(), queueSettings())...)
}

// For returns the settings of one binary, in --help order.
func For(program string) []Setting {
	var out []Setting
	for _, s := range Settings() {
		if s.Only == "" || s.Only == program {
			out = append(out, s)
		}
	}
	return out
}

// Describe names a setting for messages: "--flag (ENV)".
func Describe(flag string) string {
	for _, s := range Settings() {
		if s.Flag == flag {
			return "--" + s.Flag + " (" + s.Env + ")"
		}
	}
	return "--" + flag
}

// Load parses args (without the program name) against the settings table,
// taking each default from getenv when the environment variable is set. A
// flag given on the command line wins over the environment. It returns
// flag.ErrHelp after printing usage to out when -h or --help is given.
//
// Extra flags of one binary can be registered through register, which is
// called on the FlagSet before parsing; it may be nil. Arguments left
// after the flags are refused with a UsageError unless opts include
// AcceptArgs.
func Load(program string, args []string, getenv func(string) string, out io.Writer, register func(*flag.FlagSet), opts ...LoadOption) (Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet(program, flag.ContinueOnError)
	fs.SetOutput(out)
	settings := For(program)
	values := make([]*string, len(settings))
	for i, s := range settings {
		def := s.Default
		if v, ok := lookup(getenv, s.Env); ok {
			def = v
		}
		values[i] = fs.String(s.Flag, def, s.Usage)
	}
	fs.Usage = func() { PrintUsage(out, program, fs) }
	if register != nil {
		register(fs)
	}
	acceptsArgs := slices.Contains(opts, AcceptArgs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, fs, err
		}
		return Config{}, fs, &UsageError{Err: otherBinary(program, err)}
	}

	if fs.NArg() > 0 && !acceptsArgs {
		return Config{}, fs, &UsageError{Err: fmt.Errorf("unexpected argument %q: %s takes flags only (see --help)", fs.Arg(0), program)}
	}

	var c Config
	var errs []error
	for i, s := range settings {
		c.effective = append(c.effective, effectiveSetting{s: s, value: strings.TrimSpace(*values[i])})
		if err := s.set(&c, strings.TrimSpace(*values[i])); err != nil {
			errs = append(errs, fmt.Errorf("setting --%s (%s=%q): %w", s.Flag, s.Env, *values[i], err))
		}
	}
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("setting --database-url (CIVITAS_DATABASE_URL): must not be empty"))
	}
	if c.ChatModel == "" && program == "assistant" {
		errs = append(errs, errors.New("setting --chat-model (CIVITAS_CHAT_MODEL): must not be empty"))
	}
	if c.EmbedModel == "" {
		errs = append(errs, errors.New("setting --embed-model (CIVITAS_EMBED_MODEL): must not be empty"))
	}
	if program == "assistant" {
		errs = append(errs, validateAuth(&c)...)
	}
	errs = append(errs, validateOriginals(&c)...)
	if err := errors.Join(errs...); err != nil {
		return Config{}, fs, fmt.Errorf("invalid configuration: %w", err)
	}
	return c, fs, nil
}

// lookup treats an empty environment variable as unset, as shells and
// compose files commonly export empty values.
func lookup(getenv func(string) string, name string) (string, bool) {
	if getenv == nil {
		return "", false
	}
	v := getenv(name)
	return v, v != ""
}
