package modeladmin

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/store"
)

// Active is one process's view of the active models: read from the
// database, kept in memory, and refreshed every few seconds so that a
// switch made by another replica is seen within that interval. Reading it
// never touches the database, so it costs an answer nothing.
type Active struct {
	st    *store.Store
	log   *slog.Logger
	every time.Duration

	mu    sync.RWMutex
	chat  store.ActiveModel
	embed store.ActiveModel
}

// NewActive returns a cache over st that Run refreshes every interval
// (default 5s). Until the first Refresh it knows no model.
func NewActive(st *store.Store, every time.Duration, log *slog.Logger) *Active {
	if every <= 0 {
		every = 5 * time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Active{st: st, log: log, every: every}
}

// ActiveModels returns the names of the active chat and embedding models
// as last read. It implements answer.Models.
func (a *Active) ActiveModels() (chat, embed string) {
	c, e := a.Get()
	return c.Model, e.Model
}

// Get returns the active chat and embedding models with their digests.
func (a *Active) Get() (chat, embed store.ActiveModel) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.chat, a.embed
}

// Refresh reads the active models from the database now.
func (a *Active) Refresh(ctx context.Context) error {
	rows, err := a.st.ActiveModels(ctx)
	if err != nil {
		return fmt.Errorf("models: refresh active models: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, m := range rows {
		var cur *store.ActiveModel
		switch m.Role {
		case store.RoleChat:
			cur = &a.chat
		case store.RoleEmbed:
			cur = &a.embed
		default:
			continue
		}
		if cur.Model != "" && cur.Model != m.Model {
			a.log.Info("active model changed", "role", m.Role, "from", cur.Model, "to", m.Model, "by", m.ChangedBy)
		}
		*cur = m
	}
	return nil
}

// Run refreshes the cache every interval until ctx is done. A failed
// refresh keeps the last known models and is logged: a database hiccup
// must not stop answers.
func (a *Active) Run(ctx context.Context) {
	t := time.NewTicker(a.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.Refresh(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("cannot refresh the active models; keeping the last known", "err", err)
			}
		}
	}
}

// Seed makes chat and embed the active models for the roles that have
// none in the database yet, then loads the cache. A role that has one
// keeps it: the database wins over the configuration, which only seeds.
// Both are logged, so an operator who changed a flag sees why it did not
// take effect.
func (s *Service) Seed(ctx context.Context, chat, embed string) error {
	var digests map[string]string // by canonical name; asked once, when a role is configured
	for _, r := range []struct{ role, model string }{{store.RoleChat, chat}, {store.RoleEmbed, embed}} {
		if r.model == "" {
			continue
		}
		if digests == nil {
			digests = s.installedDigests(ctx)
		}
		seeded, err := s.st.SeedActiveModel(ctx, r.role, r.model, digests[ollama.CanonicalName(r.model)], "configuration")
		if err != nil {
			return fmt.Errorf("models: %w", err)
		}
		if seeded {
			s.log.Info("active model seeded from configuration", "role", r.role, "model", r.model)
		}
	}
	if err := s.active.Refresh(ctx); err != nil {
		return err
	}
	c, e := s.active.Get()
	for _, x := range []struct {
		role, configured string
		m                store.ActiveModel
	}{{store.RoleChat, chat, c}, {store.RoleEmbed, embed, e}} {
		if x.configured != "" && x.configured != x.m.Model {
			s.log.Warn("the database's active model wins over the configured one (change it with `assistant models use`)",
				"role", x.role, "active", x.m.Model, "configured", x.configured, "since", x.m.Since, "by", x.m.ChangedBy)
		} else {
			s.log.Info("active model", "role", x.role, "model", x.m.Model, "digest", x.m.Digest, "since", x.m.Since)
		}
	}
	return nil
}

// installedDigests maps the installed models' canonical names to their
// digests; it is empty when Ollama cannot be asked, since a seeded model
// without a digest is still a valid seed.
func (s *Service) installedDigests(ctx context.Context) map[string]string {
	out := map[string]string{}
	installed, err := s.llm.List(ctx)
	if err != nil {
		return out
	}
	for _, m := range installed {
		out[m.Name] = m.Digest // List names are canonical already
	}
	return out
}

// EmbedModelFor returns the embedding model a writer of chunks (cmd/ingest,
// an upload job) must embed with: the active one when the database has
// one, else the configured one (the database has not been seeded yet). A
// configured model that differs from the active one is logged: it would
// have stored vectors retrieval never searches.
func EmbedModelFor(ctx context.Context, st *store.Store, configured string, log *slog.Logger) (string, error) {
	rows, err := st.ActiveModels(ctx)
	if err != nil {
		return "", fmt.Errorf("models: %w", err)
	}
	for _, m := range rows {
		if m.Role != store.RoleEmbed {
			continue
		}
		if configured != "" && configured != m.Model && log != nil {
			log.Warn("embedding with the active model, not the configured one", "active", m.Model, "configured", configured)
		}
		return m.Model, nil
	}
	return configured, nil
}
