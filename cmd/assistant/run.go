package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/modeladmin"
	"github.com/civitas-eu/civitas/internal/privacy"
	"github.com/civitas-eu/civitas/internal/retrieve"
	"github.com/civitas-eu/civitas/internal/server"
	"github.com/civitas-eu/civitas/internal/store"
	"github.com/civitas-eu/civitas/prompts"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Main is the whole assistant program, runnable from a test: Run parses
// args, starts everything in order, serves until ctx is cancelled, then
// stops everything in reverse order.
type Main struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string

	// Ready, if set, receives the address the server listens on once it
	// accepts connections (tests listen on port 0).
	Ready chan<- string
	// MetricsReady, if set, receives the address of the operator listener
	// (--metrics-listen) once it accepts connections.
	MetricsReady chan<- string

	// wrapAnswerer, if set, replaces the answer service (tests: a slow
	// scripted answer).
	wrapAnswerer func(server.Answerer) server.Answerer
}

// Run is the assistant's start-up and shutdown, owned by one function:
// config → logger → database (migrated) → Ollama client → HTTP. On stop,
// the HTTP server drains first, then the pool closes.
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		for _, c := range m.commands() {
			if c.name == args[0] {
				return c.run(ctx, args[1:])
			}
		}
		return &config.UsageError{Err: fmt.Errorf("unknown subcommand %q; the subcommands are %s (see `assistant --help`)", args[0], commandNames(m.commands()))}
	}
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
		return m.printVersion()
	}
	cfg, _, err := config.Load("assistant", args, m.Getenv, m.Stderr, m.withCommandsInUsage)
	if err != nil {
		return err
	}
	log := cfg.NewLogger(m.Stderr).With("app", "civitas-assistant")
	log.Info("starting Civitas assistant", append([]any{"version", version, "jobs", cfg.RunJobs}, cfg.LogAttrs()...)...)

	tmpl, err := prompts.Load(cfg.PromptsDir)
	if err != nil {
		return err
	}
	log.Info("prompt templates loaded", "version", tmpl.Version(), "system", tmpl.Source(prompts.System))

	c, err := openCore(ctx, cfg, 16, log)
	if err != nil {
		return err
	}
	defer c.close()
	pool, inf, st, lib, priv := c.pool, c.inf, c.st, c.lib, c.priv

	// Uploads left behind by cancelled jobs or by a process that died
	// while receiving them; a failure only leaves them for the next start.
	if n, err := lib.SweepIncoming(ctx); err != nil {
		log.Warn("could not sweep stale uploads", "err", err)
	} else if n > 0 {
		log.Info("removed stale uploads", "files", n)
	}

	authn, err := newAuthenticator(ctx, cfg, st)
	if err != nil {
		return err
	}
	log.Info("sign-in", "mode", authn.Mode(), "oidc_issuer", cfg.Auth.OIDCIssuer, "public_urls", cfg.Auth.PublicURLs,
		"trusted_proxies", cfg.Auth.TrustedProxies, "roles", authn.Roles())

	retriever := retrieve.New(st, inf.EmbedPool, retrieve.Config{EmbedModel: cfg.EmbedModel}, log)
	stg, err := inferenceStages(cfg, inf.ChatPool, log) // the fair queue and the reranker (inference.go)
	if err != nil {
		return err
	}
	ac := answerConfig(cfg)
	ac.Models, ac.Reranker, ac.RerankCandidates = c.active, stg.reranker, 3*cfg.Rerank.TopN
	var answerer server.Answerer
	if answerer, err = answer.New(ac, retriever, stg.gen, retrieve.NewDocuments(st), tmpl, log); err != nil {
		return err
	}
	if m.wrapAnswerer != nil {
		answerer = m.wrapAnswerer(answerer)
	}

	// Requests get their own base context, not the signal's: on SIGTERM
	// the server first drains in-flight answers, and only cancels them when
	// the drain times out.
	baseCtx, cancelRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRequests()
	srv := server.New(server.Config{
		ChatModel: cfg.ChatModel, EmbedModel: cfg.EmbedModel, Version: version, PromptVersion: tmpl.Version(),
		MaxUploadRequestBytes: cfg.MaxUploadRequestBytes,
		RetentionDays:         cfg.RetentionDays,
		Endpoints: map[string]string{"database": config.RedactURL(cfg.DatabaseURL), "ollama": config.RedactURL(cfg.OllamaURL.String()),
			"chat": inf.ChatPool.URL(), "embed": inf.EmbedPool.URL()},
		Auth:          authConfig(cfg),
		PublicURLs:    cfg.Auth.PublicURLs,
		MetricsListen: cfg.Limits.MetricsListen,
		Limits:        serverLimits(cfg),
		Insight: server.InsightConfig{ShowNames: cfg.Insight.FeedbackShowNames, GapDays: cfg.Insight.GapDays,
			GapSimilarity: cfg.Insight.GapSimilarity, RetentionAction: cfg.RetentionAction},
	}, log, server.Deps{DB: pool, Models: inf, Store: st, Answerer: answerer, Library: lib, Auth: authn, AuditDB: pool, Privacy: priv,
		Active: c.active, ModelAdmin: c.modelSvc, Originals: c.orig, Sources: c.sourcesService(), Collectors: stg.collectors,
		ChatCheck: func(ctx context.Context, model string) (modeladmin.ChatCheckReport, error) {
			ac := answerConfig(cfg)
			ac.Models = c.modelSvc.CandidateModels(model)
			a, err := answer.New(ac, retriever, stg.gen, retrieve.NewDocuments(st), tmpl, log)
			if err != nil {
				return modeladmin.ChatCheckReport{}, err
			}
			return c.modelSvc.CheckChat(ctx, model, a, 0)
		}})
	httpSrv := newHTTPServer(cfg, srv.Handler(), baseCtx)
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s (--listen): %w", cfg.Listen, err)
	}
	// The operator listener: metrics and the detailed readiness, kept off
	// the public one. It stops with the process; nothing on it streams.
	if addr := cfg.Limits.MetricsListen; addr != "" {
		stopMetrics, err := m.serveOperator(addr, srv.MetricsHandler(), log)
		if err != nil {
			ln.Close()
			return err
		}
		defer stopMetrics()
	}
	log.Info("listening", "addr", "http://"+ln.Addr().String())
	if m.Ready != nil {
		m.Ready <- ln.Addr().String()
	}

	// With --jobs=false the queue only takes jobs here (the library
	// enqueues uploads on it) and `assistant worker` runs them.
	stopJobs := func() {}
	if cfg.RunJobs {
		stopJobs = c.runJobs(ctx)
	}
	defer stopJobs()

	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve HTTP: %w", err)
	case <-ctx.Done():
	}
	drainHTTP(log, cfg.Shutdown, srv, httpSrv, cancelRequests)
	// Running jobs go back to the queue (resumed by the next start or
	// another replica) before the pool closes.
	stopJobs()
	log.Info("stopped")
	return nil
}

// serveOperator serves h on the operator listener addr until the returned
// stop is called, and reports its address to m.MetricsReady.
func (m *Main) serveOperator(addr string, h http.Handler, log *slog.Logger) (stop func(), err error) {
	mln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (--metrics-listen): %w", addr, err)
	}
	metricsSrv := newMetricsServer(h)
	go func() { _ = metricsSrv.Serve(mln) }()
	log.Info("serving operator endpoints", "addr", "http://"+mln.Addr().String())
	if m.MetricsReady != nil {
		m.MetricsReady <- mln.Addr().String()
	}
	return func() { _ = metricsSrv.Close() }, nil
}

// drainHTTP is the shutdown of the public server (SIGTERM): readiness
// turns 503 and new questions are refused (server.Drain); after
// --shutdown-delay, for load balancers to notice, the listener closes and
// the answers under way have --shutdown-grace to finish; what is left then
// is cancelled.
func drainHTTP(log *slog.Logger, sc config.ShutdownConfig, srv *server.Server, httpSrv *http.Server, cancelRequests context.CancelFunc) {
	srv.Drain()
	log.Info("shutting down: readiness is 503", "delay", sc.Delay, "grace", sc.Grace)
	time.Sleep(sc.Delay)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), sc.Grace)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("HTTP drain timed out; cancelling in-flight requests", "err", err, "grace", sc.Grace)
		cancelRequests()
		_ = httpSrv.Close()
	}
}

// maxHeaderBytes bounds a request's headers (Go's default is 1 MB); the
// largest legitimate ones are a session cookie and a bearer JWT.
const maxHeaderBytes = 64 << 10

// newHTTPServer is the public server with its time and size limits:
// ReadHeaderTimeout and ReadTimeout bound a slow request (uploads get
// longer, server.Limits.UploadTimeout; once the body is read, net/http
// lifts the deadline, so a streamed answer is not cut), IdleTimeout an
// idle connection. WriteTimeout is a backstop that the server package
// moves forward before each write, so it bounds each write (a reader that
// stops reading) but not a stream.
func newHTTPServer(cfg config.Config, h http.Handler, base context.Context) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(10*time.Second, cfg.Limits.ReadTimeout),
		ReadTimeout:       cfg.Limits.ReadTimeout,
		WriteTimeout:      cfg.Limits.WriteTimeout,
		IdleTimeout:       cfg.Limits.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
}

// newMetricsServer is the operator listener's server: short replies only,
// so plain timeouts fit.
func newMetricsServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}

// serverLimits is the server package's part of the limits.
func serverLimits(cfg config.Config) server.Limits {
	l := cfg.Limits
	return server.Limits{
		RatePerMinute: l.RatePerMinute, MaxAnswersPerUser: l.MaxAnswersPerUser, MaxAnswers: l.MaxAnswers,
		QueueWait: l.AnswerQueueWait, UploadTimeout: l.UploadTimeout, WriteTimeout: l.WriteTimeout,
		KeepAlive: cfg.Shutdown.KeepAlive,
	}
}

// modelsConfig is the model service's part of the configuration, the
// same for serving and for `assistant models`.
func modelsConfig(cfg config.Config) modeladmin.Config {
	pause := cfg.ReembedPause
	if pause == 0 {
		pause = -1 // modeladmin.Config reads 0 as its default
	}
	return modeladmin.Config{ReembedBatch: cfg.ReembedBatch, ReembedPause: pause, ImportDir: cfg.ModelsImportDir}
}

// answerConfig is the answer service's part of the configuration, the same
// for serving and for `assistant eval --answers`.
func answerConfig(cfg config.Config) answer.Config {
	return answer.Config{
		ChatModel: cfg.ChatModel, ContextBudget: cfg.ContextBudget, DefaultLanguage: cfg.DefaultLanguage,
		MaxAnswerTokens: cfg.MaxAnswerTokens, MinSimilarity: cfg.MinSimilarity,
	}
}

// authConfig is the auth package's part of the configuration.
func authConfig(cfg config.Config) auth.Config {
	a := cfg.Auth
	return auth.Config{
		Mode: a.Mode, ProxyHeaders: cfg.ProxyAuth, UserHeader: cfg.UserHeader, GroupsHeader: cfg.GroupsHeader,
		DevUser: cfg.DevUser, DevGroups: cfg.DevGroups, TrustedProxies: a.TrustedProxies,
		Roles:             auth.Roles{Admin: a.AdminGroup, Auditor: a.AuditorGroup, KnowledgeManager: a.KnowledgeManagerGroup},
		APIKeyMaxLifetime: a.APIKeyMaxLifetime,
		OIDC: auth.OIDCConfig{Issuer: a.OIDCIssuer, ClientID: a.OIDCClientID, ClientSecret: a.OIDCClientSecret,
			RedirectURL: a.OIDCRedirectURL, Scopes: a.OIDCScopes, UsernameClaim: a.OIDCUsernameClaim,
			GroupsClaim: a.OIDCGroupsClaim, ExtraAudiences: a.OIDCExtraAudiences},
		Session: auth.SessionConfig{Idle: a.SessionIdle, Max: a.SessionMax, CookieInsecure: !a.CookieSecure},
	}
}

// newAuthenticator builds the sign-in chain; with an issuer configured it
// first discovers the provider, and refuses to start if that fails: a
// server whose users cannot sign in should say so at once, not on the
// first login.
func newAuthenticator(ctx context.Context, cfg config.Config, st *store.Store) (*auth.Authenticator, error) {
	ac := authConfig(cfg)
	var o *auth.OIDC
	if ac.OIDC.Issuer != "" {
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		var err error
		if o, err = auth.Discover(dctx, ac.OIDC, &http.Client{Timeout: 30 * time.Second}); err != nil {
			return nil, fmt.Errorf("%w (check --oidc-issuer)", err)
		}
	}
	return auth.New(ac, st, o), nil
}

// privacyConfig is the retention policy of the configuration.
func privacyConfig(cfg config.Config) privacy.Config {
	c := privacy.Config{Days: cfg.RetentionDays, Action: cfg.RetentionAction}
	if cfg.PseudonymKey != "" {
		c.Key = []byte(cfg.PseudonymKey)
	}
	return c
}
