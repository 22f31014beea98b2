package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/library"
	"github.com/civitas-eu/civitas/internal/models"
	"github.com/civitas-eu/civitas/internal/ollama"
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
}

// Run is the assistant's start-up and shutdown, owned by one function:
// config → logger → database (migrated) → Ollama client → HTTP. On stop,
// the HTTP server drains first, then the pool closes.
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "models":
			return m.runModels(ctx, args[1:])
		case "eval":
			return m.runEval(ctx, args[1:])
		case "audit":
			return m.runAudit(ctx, args[1:])
		case "subject":
			return m.runSubject(ctx, args[1:])
		case "migrate":
			return m.runMigrate(ctx, args[1:])
		}
	}
	cfg, _, err := config.Load("assistant", args, m.Getenv, m.Stderr, nil)
	if err != nil {
		return err
	}
	log := cfg.NewLogger(m.Stderr).With("app", "civitas-assistant")
	log.Info("starting Civitas assistant", append([]any{"version", version}, cfg.LogAttrs()...)...)

	tmpl, err := prompts.Load(cfg.PromptsDir)
	if err != nil {
		return err
	}
	log.Info("prompt templates loaded", "version", tmpl.Version(), "system", tmpl.Source(prompts.System))

	pool, err := connect(ctx, cfg, 16, log)
	if err != nil {
		return err
	}
	defer pool.Close()

	llm := ollama.New(cfg.OllamaURL, nil)
	if v, err := llm.Version(ctx); err != nil {
		// Not fatal: the assistant serves search results without Ollama
		// and recovers when it comes back.
		log.Warn("Ollama does not answer; serving in search mode until it does", "url", llm.URL(), "err", err)
	} else {
		log.Info("Ollama reachable", "url", llm.URL(), "version", v)
	}

	st, err := store.New(pool)
	if err != nil {
		return err
	}
	// Background jobs (uploads, re-embedding, retention) run in this
	// process from a Postgres-backed queue; services register their
	// handlers on it before it starts.
	queue, err := jobs.New(pool, log, jobs.Config{})
	if err != nil {
		return err
	}
	// The active models come from the database (the flags only seed it),
	// so that every replica answers with the same models and an admin's
	// switch reaches all of them within the refresh interval.
	active := models.NewActive(st, 5*time.Second, log)
	modelSvc := models.New(models.Deps{Store: st, Ollama: llm, Active: active, Queue: queue}, modelsConfig(cfg), log)
	if err := modelSvc.Seed(ctx, cfg.ChatModel, cfg.EmbedModel); err != nil {
		return err
	}
	refreshCtx, stopRefresh := context.WithCancel(ctx)
	defer stopRefresh()
	go active.Run(refreshCtx)

	// The documents page's uploads. The embedding model is asked per job,
	// so that a switch of the active model can apply without a restart.
	lib, err := library.New(st, queue, llm, log, library.Config{
		UploadDir: cfg.UploadDir, MaxFileBytes: cfg.MaxUploadBytes, Sandbox: parseSandbox(cfg.Parse),
		EmbedModel: func(context.Context) (string, error) {
			if _, embed := active.ActiveModels(); embed != "" {
				return embed, nil
			}
			return cfg.EmbedModel, nil
		},
	})
	if err != nil {
		return err
	}
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

	priv, err := privacy.New(pool, privacyConfig(cfg), log)
	if err != nil {
		return err
	}
	queue.Handle(privacy.JobKind, 1, priv.Handler())

	retriever := retrieve.New(st, llm, retrieve.Config{EmbedModel: cfg.EmbedModel}, log)
	ac := answerConfig(cfg)
	ac.Models = active
	answerer, err := answer.New(ac, retriever, llm, documentSource{st}, tmpl, log)
	if err != nil {
		return err
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
		Endpoints:             map[string]string{"database": config.RedactURL(cfg.DatabaseURL), "ollama": config.RedactURL(cfg.OllamaURL.String())},
		Auth:                  authConfig(cfg),
		PublicURLs:            cfg.Auth.PublicURLs,
	}, log, server.Deps{DB: pool, Models: llm, Store: st, Answerer: answerer, Library: lib, Auth: authn, AuditDB: pool, Privacy: priv,
		Active: active, ModelAdmin: modelSvc, ChatCheck: func(ctx context.Context, model string) (models.ChatCheckReport, error) {
			c := answerConfig(cfg)
			c.Models = modelSvc.CandidateModels(model)
			a, err := answer.New(c, retriever, llm, documentSource{st}, tmpl, log)
			if err != nil {
				return models.ChatCheckReport{}, err
			}
			return modelSvc.CheckChat(ctx, model, a, 0)
		}})
	httpSrv := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return baseCtx },
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s (--listen): %w", cfg.Listen, err)
	}
	log.Info("listening", "addr", "http://"+ln.Addr().String())
	if m.Ready != nil {
		m.Ready <- ln.Addr().String()
	}

	jobsCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer stopJobs()
	jobsDone := make(chan error, 1)
	go func() { jobsDone <- queue.Run(jobsCtx) }()
	// Retention runs daily as a job, on whichever replica claims it.
	scheduled := make(chan struct{})
	go func() { defer close(scheduled); priv.Schedule(jobsCtx, queue, 24*time.Hour) }()

	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	select {
	case err := <-errc:
		stopJobs()
		<-jobsDone
		<-scheduled
		return fmt.Errorf("serve HTTP: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("HTTP drain timed out; cancelling in-flight requests", "err", err)
		cancelRequests()
		_ = httpSrv.Close()
	}
	// Running jobs go back to the queue (resumed by the next start or
	// another replica) before the pool closes.
	stopJobs()
	if err := <-jobsDone; err != nil {
		log.Warn("background jobs stopped with an error", "err", err)
	}
	<-scheduled
	log.Info("stopped")
	return nil
}

// modelsConfig is the model service's part of the configuration, the
// same for serving and for `assistant models`.
func modelsConfig(cfg config.Config) models.Config {
	pause := cfg.ReembedPause
	if pause == 0 {
		pause = -1 // models.Config reads 0 as its default
	}
	return models.Config{ReembedBatch: cfg.ReembedBatch, ReembedPause: pause, ImportDir: cfg.ModelsImportDir}
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
