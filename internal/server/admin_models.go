package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/civitas-eu/civitas/internal/inference"
	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/modeladmin"
	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/store"
)

// The admin model routes: inventory, pull, import, remove, switch chat,
// re-embed, drop an old model's vectors. Every one requires the admin
// group (see Handler).

type activeJSON struct {
	Chat  string `json:"chat"`
	Embed string `json:"embed"`
}

type changeJSON struct {
	At         time.Time `json:"at"`
	By         string    `json:"by"`
	Kind       string    `json:"kind"` // chat or embed
	From       string    `json:"from"`
	To         string    `json:"to"`
	FromDigest string    `json:"from_digest"`
	ToDigest   string    `json:"to_digest"`
	Note       string    `json:"note,omitempty"`
}

func changeOf(c store.ModelChange) changeJSON {
	return changeJSON{At: c.At, By: c.By, Kind: c.Role, From: c.From, To: c.To, FromDigest: c.FromDigest, ToDigest: c.ToDigest, Note: c.Note}
}

// activeModels names the models in force now: the database's, through
// the process's cache, or the configured ones when the server has none.
func (s *Server) activeModels() (chat, embed string) {
	if s.active != nil {
		if chat, embed = s.active.ActiveModels(); chat != "" && embed != "" {
			return chat, embed
		}
	}
	return s.cfg.ChatModel, s.cfg.EmbedModel
}

// adminError gives a refusal its reason as an invalid request; anything
// else goes to writeError unchanged.
func adminError(err error) error {
	var re *modeladmin.RefusedError
	if errors.As(err, &re) {
		return errorf(CodeInvalid, re.Reason)
	}
	return err
}

func decodeAdmin(r *http.Request, v any) error { return decodeJSON(r, 64<<10, v, "") }

// listModels is GET /api/admin/models.
func (s *Server) listModels(w http.ResponseWriter, r *http.Request) {
	ms := s.modelAdmin
	ctx := r.Context()
	// The re-embed job and the history first, the active models after: a
	// job reads as done only once its switch has committed, so a reply
	// that shows it done also shows the new model in use. Read the other
	// way round, a switch landing between the reads gave a reply with the
	// job done and the old model still active, and the page, which stops
	// polling when the job ends, kept that stale table.
	job, err := ms.LatestReembed(ctx)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	changes, err := ms.Changes(ctx, 50)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := ms.Active().Refresh(ctx); err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := ms.List(ctx)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := struct {
		Active  activeJSON         `json:"active"`
		Models  []modeladmin.Model `json:"models"`
		Reembed *jobs.Job          `json:"reembed"`
		Changes []changeJSON       `json:"changes"`
		// Hosts are the chat and embedding hosts and their state.
		Hosts []inference.HostState `json:"hosts"`
		// CanInstall says whether pull, import and remove work: they need
		// an Ollama backend.
		CanInstall bool `json:"can_install"`
		// FusionWeights are the active embedding model's vector weights in
		// hybrid fusion, learnt per language from the golden questions.
		FusionWeights []store.FusionWeight `json:"fusion_weights"`
	}{Models: list, Reembed: job, Changes: make([]changeJSON, 0, len(changes)), Hosts: ms.Hosts(), CanInstall: ms.CanInstall() == nil}
	if out.Hosts == nil {
		out.Hosts = []inference.HostState{}
	}
	out.Active.Chat, out.Active.Embed = ms.Active().ActiveModels()
	if out.FusionWeights, err = s.store.FusionWeights(ctx, out.Active.Embed); err != nil {
		s.writeError(w, r, err)
		return
	}
	if out.FusionWeights == nil {
		out.FusionWeights = []store.FusionWeight{}
	}
	for _, c := range changes {
		out.Changes = append(out.Changes, changeOf(c))
	}
	writeJSON(w, r, http.StatusOK, out)
}

type nameRequest struct {
	Name string `json:"name"`
}

// pullModel is POST /api/admin/models/pull: the progress streams as
// NDJSON lines, {"status","completed","total"}, ending with
// {"status":"success"} or, once streaming has begun, {"status":"error",
// "error":"..."}.
func (s *Server) pullModel(w http.ResponseWriter, r *http.Request) {
	var req nameRequest
	if err := decodeAdmin(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if strings.TrimSpace(req.Name) == "" {
		s.writeError(w, r, errorf(CodeInvalid, "\"name\" must not be empty"))
		return
	}
	// Before the stream starts, so that it is a real status: an
	// OpenAI-compatible server cannot pull.
	if err := s.modelAdmin.CanInstall(); err != nil {
		s.writeError(w, r, adminError(err))
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// Blank lines keep the connection alive while a layer downloads
	// without progress (keepalive.go).
	kept := s.keepAlive(w, ndjsonKeepAlive)
	defer kept.end()
	w = kept
	rc := http.NewResponseController(w)
	enc := json.NewEncoder(w)
	send := func(v any) error {
		if err := enc.Encode(v); err != nil {
			return err
		}
		return rc.Flush()
	}
	err := s.modelAdmin.Pull(r.Context(), strings.TrimSpace(req.Name), func(p ollama.Progress) error { return send(p) })
	if err != nil {
		msg := "the pull failed (a server without internet access must import GGUF files instead)"
		var re *modeladmin.RefusedError
		switch {
		case errors.As(err, &re):
			msg = re.Reason
		case errors.Is(err, ollama.ErrModelNotFound):
			msg = "the registry has no model " + req.Name
		case r.Context().Err() == nil:
			s.log.Warn("model pull failed", "model", req.Name, "user", user(r).Name, "err", err)
		}
		_ = send(map[string]string{"status": "error", "error": msg})
		return
	}
	s.log.Info("model pulled", "model", req.Name, "user", user(r).Name)
	_ = send(ollama.Progress{Status: "success"})
}

type importRequest struct {
	Name       string         `json:"name"`
	Path       string         `json:"path"` // relative to the import folder
	Template   string         `json:"template"`
	Parameters map[string]any `json:"parameters"`
}

// importModel is POST /api/admin/models/import.
func (s *Server) importModel(w http.ResponseWriter, r *http.Request) {
	var req importRequest
	if err := decodeAdmin(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Name == "" || req.Path == "" {
		s.writeError(w, r, errorf(CodeInvalid, "\"name\" and \"path\" are required"))
		return
	}
	digest, err := s.modelAdmin.ImportFromDir(r.Context(), req.Name, req.Path, ollama.ImportOptions{Template: req.Template, Parameters: req.Parameters})
	if err != nil {
		s.writeError(w, r, adminError(err))
		return
	}
	s.log.Info("model imported", "model", req.Name, "file", req.Path, "user", user(r).Name)
	writeJSON(w, r, http.StatusCreated, map[string]string{"name": ollama.CanonicalName(req.Name), "digest": digest})
}

// removeModel is DELETE /api/admin/models/{name}; the active models are
// refused.
func (s *Server) removeModel(w http.ResponseWriter, r *http.Request) {
	if err := s.modelAdmin.Remove(r.Context(), r.PathValue("name")); err != nil {
		s.writeError(w, r, adminError(err))
		return
	}
	s.log.Info("model removed", "model", r.PathValue("name"), "user", user(r).Name)
	w.WriteHeader(http.StatusNoContent)
}

// useChatModel is POST /api/admin/models/chat: validate, then switch.
func (s *Server) useChatModel(w http.ResponseWriter, r *http.Request) {
	ms := s.modelAdmin
	var req nameRequest
	if err := decodeAdmin(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := ms.UseChat(r.Context(), req.Name, user(r).Name)
	if err != nil {
		s.writeError(w, r, adminError(err))
		return
	}
	chat, embed := ms.Active().ActiveModels()
	writeJSON(w, r, http.StatusOK, map[string]any{"change": changeOf(c), "active": activeJSON{Chat: chat, Embed: embed}})
}

// useEmbedModel is POST /api/admin/models/embed: validate, then queue the
// re-embed that switches when complete.
func (s *Server) useEmbedModel(w http.ResponseWriter, r *http.Request) {
	var req nameRequest
	if err := decodeAdmin(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	j, err := s.modelAdmin.StartReembed(r.Context(), req.Name, user(r).Name)
	if err != nil {
		s.writeError(w, r, adminError(err))
		return
	}
	writeJSON(w, r, http.StatusAccepted, map[string]any{"job": j})
}

// dropEmbeddings is DELETE /api/admin/models/{name}/embeddings.
func (s *Server) dropEmbeddings(w http.ResponseWriter, r *http.Request) {
	n, err := s.modelAdmin.DropEmbeddings(r.Context(), r.PathValue("name"))
	if err != nil {
		s.writeError(w, r, adminError(err))
		return
	}
	s.log.Info("embeddings dropped", "model", r.PathValue("name"), "vectors", n, "user", user(r).Name)
	writeJSON(w, r, http.StatusOK, map[string]int64{"deleted": n})
}
