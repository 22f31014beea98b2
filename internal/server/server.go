// Package server is the assistant's HTTP layer: the route table, middleware
// and handlers. Handlers decode and validate requests, call the services
// they are given, and write every reply through one place (respond.go and
// errors.go), so internal errors are logged once and never reach the
// client.
package server

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/insight"
	"github.com/civitas-eu/civitas/internal/modeladmin"
	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/originals"
	"github.com/civitas-eu/civitas/internal/privacy"
	"github.com/civitas-eu/civitas/internal/store"
	"github.com/civitas-eu/civitas/internal/web"
)

// Pinger reports whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// ModelBackend is what the server needs to know about Ollama to report
// readiness. Show returns ollama.ErrModelNotFound for a missing model and
// ollama.ErrUnavailable when the server cannot be reached.
type ModelBackend interface {
	Show(ctx context.Context, model string) (ollama.ModelInfo, error)
	URL() string
}

var _ ModelBackend = (*ollama.Client)(nil)

// Answerer answers a question, emitting sources, tokens and a final done
// event; *answer.Service implements it. It returns an error only for
// failures the client did not get as an event.
type Answerer interface {
	Answer(ctx context.Context, req answer.Request, emit func(answer.Event) error) (answer.Done, error)
}

var _ Answerer = (*answer.Service)(nil)

// Config is what the server is told at start-up.
type Config struct {
	ChatModel  string
	EmbedModel string
	Version    string
	// PromptVersion identifies the prompt templates in force.
	PromptVersion string
	Auth          auth.Config
	// MaxUploadRequestBytes bounds one upload request, all files together.
	MaxUploadRequestBytes int64
	// RetentionDays is told in the transparency notice; 0: kept.
	RetentionDays int
	// Endpoints are the effective Ollama and database endpoints
	// (passwords redacted), shown by the detailed readiness (health.go).
	Endpoints map[string]string
	// PublicURLs are the addresses users reach the assistant at; a
	// request for any other Host is refused (host.go). Empty: loopback
	// names only.
	PublicURLs []string
	// Limits bound answers, uploads and writes (limits.go).
	Limits Limits
	// Insight configures the feedback review, gaps report, dashboard and
	// transparency record (insight.go).
	Insight InsightConfig
	// MetricsListen is the operator listener's address (--metrics-listen):
	// besides loopback names and IP literals, its host is the one Host
	// name that listener answers (operator_host.go).
	MetricsListen string
}

// Server holds the dependencies of the handlers.
type Server struct {
	cfg      Config
	log      *slog.Logger
	db       Pinger
	models   ModelBackend
	store    *store.Store
	answerer Answerer
	library  Library
	authn    *auth.Authenticator
	metrics  *metrics
	gate     *answerGate
	ready    readyCache // the public /readyz's last answer (health.go)
	auditDB  audit.DB
	privacy  *privacy.Service
	web      *web.Assets
	// active names the models in force, read per request; nil: cfg's.
	active     answer.Models
	modelAdmin *modeladmin.Service
	originals  originals.Store
	hosts      []publicHost // from cfg.PublicURLs
	roles      auth.Roles   // the groups granting roles, from the authenticator
	fileHashes *fileHashes  // sums of served document files (filehash.go)
	chatCheck  func(ctx context.Context, model string) (modeladmin.ChatCheckReport, error)
	insight    *insight.Service // nil without a store
	sources    *SourcesService  // nil: the /api/sources routes answer 503
}

// Deps are the services the handlers call.
type Deps struct {
	DB       Pinger
	Models   ModelBackend
	Store    *store.Store
	Answerer Answerer
	Library  Library // nil: the /api/library routes answer 503
	// Auth identifies callers; nil builds one from Config.Auth over Store
	// without an OpenID provider (proxy or dev mode, API keys).
	Auth *auth.Authenticator
	// AuditDB is where the audit trail is read (the pool); nil: the
	// store's connection, and without a store the /api/audit routes
	// answer 503.
	AuditDB audit.DB
	// Privacy serves data-subject requests; nil: their routes answer 503.
	Privacy *privacy.Service
	// Active, when set, names the models readiness checks instead of
	// Config's (they change at runtime).
	Active answer.Models
	// ModelAdmin serves the admin model routes; nil answers them 503.
	ModelAdmin *modeladmin.Service
	// Originals holds documents' original files (documents.go); nil
	// serves only files found at their source path.
	Originals originals.Store
	// ChatCheck runs the golden-question checks on a candidate chat model
	// (modeladmin.Service.CheckChat); nil answers its route 503.
	ChatCheck func(ctx context.Context, model string) (modeladmin.ChatCheckReport, error)
	// Sources serves the /api/sources routes (sources.go); nil answers
	// them 503.
	Sources *SourcesService
	// Collectors are further Prometheus series for /metrics: the
	// generation queue's and the reranker's (internal/fairqueue,
	// internal/rerank).
	Collectors []prometheus.Collector
}

// New returns a Server. Nothing is started until its Handler is served.
func New(cfg Config, log *slog.Logger, d Deps) *Server {
	assets, err := web.New()
	if err != nil {
		// The embedded pages are fixed at build time and parsed by
		// internal/web's tests: failing here is a broken build.
		panic(err)
	}
	authn := d.Auth
	if authn == nil {
		var st auth.Store
		if d.Store != nil {
			st = d.Store
		}
		authn = auth.New(cfg.Auth, st, nil)
	}
	m := newMetrics()
	m.reg.MustRegister(d.Collectors...)
	if d.Sources != nil {
		m.reg.MustRegister(sourcesCollector{d.Sources}) // sources_metrics.go
	}
	var ins *insight.Service
	if d.Store != nil {
		// Its queries are embedded and parsed by its tests: failing here
		// is a broken build, as with the pages above.
		if ins, err = insight.New(d.Store.DB(), d.Store); err != nil {
			panic(err)
		}
	}
	return &Server{insight: ins, cfg: cfg, log: log, db: d.DB, models: d.Models, store: d.Store, answerer: d.Answerer, library: d.Library, authn: authn,
		metrics: m, gate: newAnswerGate(cfg.Limits, m),
		auditDB: cmp.Or[audit.DB](d.AuditDB, storeDB(d.Store)), privacy: d.Privacy, web: assets, active: d.Active, modelAdmin: d.ModelAdmin, originals: d.Originals,
		hosts: publicHosts(cfg.PublicURLs), roles: authn.Roles(), fileHashes: newFileHashes(), chatCheck: d.ChatCheck, sources: d.Sources}
}

// storeDB is st's connection, or nil without a store.
func storeDB(st *store.Store) audit.DB {
	if st == nil {
		return nil
	}
	return st.DB()
}

// Handler returns the full route table wrapped in the middleware every
// request goes through. Every route is listed here, in one place.
func (s *Server) Handler() http.Handler {
	return s.instrument(securityHeaders(s.hostGuard(s.crossOriginGuard(s.routes()))))
}

// routes is the route table; openapi.yaml documents its /api and /v1
// routes (openapi_test.go checks both ways).
func (s *Server) routes() *routeTable {
	mux := &routeTable{ServeMux: http.NewServeMux()}
	mux.HandleFunc("GET /healthz", s.healthz)
	// Only ready or not: the details and the metrics are on the
	// operator's listener (MetricsHandler).
	mux.HandleFunc("GET /readyz", s.readyz)

	// Sign-in (auth.go): open, since they establish the caller.
	mux.HandleFunc("GET /auth/login", s.login)
	mux.HandleFunc("GET /auth/callback", s.callback)
	mux.HandleFunc("POST /auth/logout", s.logout)

	// The /api routes need a caller; each is wrapped visibly.
	authed := func(h http.HandlerFunc) http.Handler { return s.authenticate(h) }
	// Role routes: a caller, and membership of the role's group (403).
	member := func(group string, h http.HandlerFunc) http.Handler { return s.authenticate(s.requireGroup(group, h)) }
	mux.Handle("POST /api/chat", authed(s.chat))
	mux.Handle("GET /api/conversations", authed(s.listConversations))
	mux.Handle("GET /api/conversations/{id}", authed(s.getConversation))
	s.conversationRoutes(mux, authed)
	mux.Handle("GET /api/documents/{id}", authed(s.getDocument))
	mux.Handle("GET /api/documents/{id}/file", authed(s.getDocumentFile))
	mux.Handle("GET /api/me", authed(s.me))
	mux.Handle("GET /api/status", authed(s.status))

	admin := func(h http.HandlerFunc) http.Handler { return member(s.roles.Admin, h) }
	mux.Handle("POST /api/admin/apikeys", admin(s.createAPIKey))
	mux.Handle("GET /api/admin/apikeys", admin(s.listAPIKeys))
	mux.Handle("DELETE /api/admin/apikeys/{id}", admin(s.revokeAPIKey))
	mux.Handle("GET /api/admin/readiness", admin(s.readinessDetail))

	mux.Handle("POST /api/answers/{id}/feedback", authed(s.postFeedback))

	// The browser interface: pages need a caller, static files do not.
	mux.Handle("GET /{$}", authed(s.chatPage))
	mux.Handle("GET /documents", authed(s.documentsPage))
	mux.Handle("GET /about", authed(s.aboutPage))
	mux.Handle("GET /audit", authed(s.auditPage))
	mux.Handle("GET /admin", authed(s.adminPage))
	mux.HandleFunc("GET /signed-out", s.signedOutPage)
	mux.Handle("GET "+web.StaticPrefix, s.web.StaticHandler())

	// The document library is for knowledge managers only.
	librarian := func(h http.HandlerFunc) http.Handler {
		return member(s.roles.KnowledgeManager, s.whenEnabled(s.library != nil, "the document library", h))
	}
	mux.Handle("GET /api/library", librarian(s.listLibrary))
	mux.Handle("POST /api/library/uploads", librarian(s.longUpload(s.uploadDocuments)))
	mux.Handle("GET /api/library/documents/{id}/versions", librarian(s.documentVersions))
	mux.Handle("POST /api/library/documents/{id}/reingest", librarian(s.reingestDocument))
	mux.Handle("DELETE /api/library/documents/{id}", librarian(s.deleteDocument))
	s.goldenRoutes(mux, member)
	s.suggestionRoutes(mux, authed, member)
	s.insightRoutes(mux, member)
	s.sourceRoutes(mux) // knowledge managers and admins (sources.go)

	// The OpenAI-compatible API (openai.go), authenticated like the rest.
	oa := newOpenAI(s)
	mux.Handle("GET /v1/models", authed(oa.models))
	mux.Handle("POST /v1/chat/completions", authed(oa.completions))

	mux.Handle("GET /api/about", authed(s.about))

	// The audit trail is for auditors; data-subject requests for admins.
	auditor := func(h http.HandlerFunc) http.Handler {
		return member(s.roles.Auditor, s.whenEnabled(s.auditDB != nil, "the audit trail", h))
	}
	mux.Handle("GET /api/audit", auditor(s.listAudit))
	mux.Handle("POST /api/audit/export", auditor(s.exportAudit)) // it appends: a POST, so guarded
	mux.Handle("GET /api/audit/verify", auditor(s.verifyAudit))
	subjects := func(h http.HandlerFunc) http.Handler {
		return admin(s.whenEnabled(s.privacy != nil, "data-subject requests", h))
	}
	mux.Handle("POST /api/admin/subjects/{user}/export", subjects(s.exportSubject))
	mux.Handle("POST /api/admin/subjects/{user}/erase", subjects(s.eraseSubject))

	// Model management (admin_models.go).
	modelRoute := func(h http.HandlerFunc) http.Handler {
		return admin(s.whenEnabled(s.modelAdmin != nil, "model management", h))
	}
	mux.Handle("GET /api/admin/models", modelRoute(s.listModels))
	mux.Handle("POST /api/admin/models/pull", modelRoute(s.pullModel))
	mux.Handle("POST /api/admin/models/import", modelRoute(s.importModel))
	mux.Handle("DELETE /api/admin/models/{name}", modelRoute(s.removeModel))
	mux.Handle("POST /api/admin/models/chat", modelRoute(s.useChatModel))
	mux.Handle("POST /api/admin/models/embed", modelRoute(s.useEmbedModel))
	mux.Handle("DELETE /api/admin/models/{name}/embeddings", modelRoute(s.dropEmbeddings))
	mux.Handle("POST /api/admin/models/embed/confirm", modelRoute(s.confirmEmbedModel))
	mux.Handle("POST /api/admin/models/chat/check", admin(s.whenEnabled(s.chatCheck != nil, "chat model checks", s.checkChatModel)))

	// The API's contract (openapi.go), open like the sign-in routes.
	mux.HandleFunc("GET /api/openapi.json", s.openAPI)
	return mux
}

// instrument counts and times every request, and logs it at debug level.
func (s *Server) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: s.writeDeadlines(w), status: http.StatusOK}
		next.ServeHTTP(rec, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		d := time.Since(start)
		s.metrics.request(route, r.Method, rec.status, d)
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "http request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.status), slog.Duration("duration", d))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// Flush lets streamed replies through the recorder.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// user returns the caller; the authenticate middleware guarantees one.
func user(r *http.Request) auth.User {
	u, _ := auth.FromContext(r.Context())
	return u
}
