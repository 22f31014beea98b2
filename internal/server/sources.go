package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/sources"
)

// Sources (internal/sources) are managed by knowledge managers and
// admins: listed with their last run, added, changed, removed, synced on
// demand. Two fields are an admin's alone: allow_remote (a host outside
// the local networks) and credentials (a file or variable the server
// reads and sends to the source's host). A knowledge manager sees and
// manages only sources whose documents they may see (public, or in one of
// their groups) and gives only groups they are in.

// SourcesService is what the /api/sources routes use.
type SourcesService struct {
	Engine *sources.Engine
	// Enqueue queues a sync of a source and returns the job's id.
	Enqueue func(ctx context.Context, id int64, by string) (int64, error)
}

// Audit actions of the source routes.
const (
	actionSourceAdded   = sources.ActionAdded
	actionSourceUpdated = sources.ActionUpdated
	actionSourceRemoved = sources.ActionRemoved
	actionSourceSync    = sources.ActionSyncRequested
)

func (s *Server) sourceRoutes(mux *routeTable) {
	manager := func(h http.HandlerFunc) http.Handler {
		return s.authenticate(s.whenEnabled(s.sources != nil, "sources", func(w http.ResponseWriter, r *http.Request) {
			if u := user(r); !u.InGroup(s.roles.KnowledgeManager) && !u.InGroup(s.roles.Admin) {
				s.writeError(w, r, errorf(CodeForbidden, "sources need membership of the "+s.roles.KnowledgeManager+" or "+s.roles.Admin+" group"))
				return
			}
			h(w, r)
		}))
	}
	mux.Handle("GET /api/sources", manager(s.listSources))
	mux.Handle("POST /api/sources", manager(s.addSource))
	mux.Handle("PUT /api/sources/{name}", manager(s.updateSource))
	mux.Handle("DELETE /api/sources/{name}", manager(s.removeSource))
	mux.Handle("POST /api/sources/{name}/sync", manager(s.syncSource))
	mux.Handle("GET /api/sources/{name}/runs", manager(s.sourceRuns))
}

// sourceRequest is the body of POST and PUT /api/sources.
type sourceRequest struct {
	Name        string         `json:"name"`
	Kind        string         `json:"kind"`
	URL         string         `json:"url"`
	Settings    map[string]any `json:"settings"`
	Collection  string         `json:"collection"`
	Groups      []string       `json:"groups"`
	Every       string         `json:"every"` // a duration, "1h"
	Cron        string         `json:"cron"`
	Include     []string       `json:"include"`
	Exclude     []string       `json:"exclude"`
	Enabled     *bool          `json:"enabled"`
	AllowRemote bool           `json:"allow_remote"`
	Credentials string         `json:"credentials"`
}

func (s *Server) isAdmin(r *http.Request) bool { return user(r).InGroup(s.roles.Admin) }

// mayManage reports whether the caller may see and manage src.
func (s *Server) mayManage(r *http.Request, src sources.Source) bool {
	if s.isAdmin(r) || len(src.Groups) == 0 {
		return true
	}
	return slices.ContainsFunc(src.Groups, user(r).InGroup)
}

func (s *Server) listSources(w http.ResponseWriter, r *http.Request) {
	list, err := s.sources.Engine.Store().List(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := []sources.Source{}
	for _, src := range list {
		if s.mayManage(r, src) {
			out = append(out, src)
		}
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"sources": out, "kinds": s.sourceKinds()})
}

func (s *Server) sourceKinds() []string {
	var out []string
	for k := range sources.Kinds() {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// source reads the {name} of the path, refusing what the caller may not
// manage as not found.
func (s *Server) source(r *http.Request) (sources.Source, error) {
	src, err := s.sources.Engine.Store().ByName(r.Context(), r.PathValue("name"))
	if err != nil {
		return src, err
	}
	if !s.mayManage(r, src) {
		return src, sources.ErrNotFound
	}
	return src, nil
}

// apply checks req and writes it over src.
func (s *Server) apply(r *http.Request, req sourceRequest, src *sources.Source) error {
	for field, v := range map[string]string{"name": req.Name, "kind": req.Kind, "url": req.URL, "collection": req.Collection,
		"cron": req.Cron, "credentials": req.Credentials} {
		if err := storableText(field, v); err != nil {
			return err
		}
	}
	admin := s.isAdmin(r)
	if req.AllowRemote != src.AllowRemote && !admin {
		return errorf(CodeForbidden, "allow_remote may be set only by an admin")
	}
	if req.Credentials != src.Credentials && !admin {
		return errorf(CodeForbidden, "credentials may be set only by an admin")
	}
	// An admin's allow_remote or credentials approve one endpoint: moving
	// the source elsewhere while keeping them would send the secret to,
	// or let the server reach, a host the admin never saw.
	if !admin && (src.AllowRemote || src.Credentials != "") && src.ID != 0 {
		if req.Kind != src.Kind || req.URL != src.URL || !sameSettings(req.Settings, src.Settings) {
			return errorf(CodeForbidden, "kind, url and settings of a source with allow_remote or credentials may be changed only by an admin")
		}
	}
	for _, g := range req.Groups {
		if g == "" || (!admin && !user(r).InGroup(g)) {
			return errorf(CodeForbidden, "groups: you may give only groups you are a member of ("+g+")")
		}
	}
	if req.Kind == "" || req.URL == "" || req.Collection == "" {
		return errorf(CodeInvalid, "kind, url and collection are required")
	}
	every := 0
	if req.Every != "" {
		d, err := time.ParseDuration(req.Every)
		if err != nil || d < time.Minute {
			return errorf(CodeInvalid, "every: want a duration of at least 1m, e.g. \"1h\"")
		}
		every = int(d.Seconds())
	}
	if every > 0 && req.Cron != "" {
		return errorf(CodeInvalid, "every and cron: give one schedule, not both")
	}
	src.Kind, src.URL, src.Settings, src.Collection, src.Groups = req.Kind, req.URL, req.Settings, req.Collection, req.Groups
	src.EverySecs, src.Cron, src.Include, src.Exclude = every, req.Cron, req.Include, req.Exclude
	src.AllowRemote, src.Credentials = req.AllowRemote, req.Credentials
	src.Enabled = req.Enabled == nil || *req.Enabled
	if err := s.sources.Engine.Validate(r.Context(), *src); err != nil {
		// The engine's messages name the field and hold no secret.
		return errorf(CodeInvalid, err.Error())
	}
	src.NextRunAt = sources.NextRun(*src, time.Now())
	return nil
}

// sameSettings compares two sources' settings as JSON, so that a
// missing and an empty map, or a number read back from the database, are
// the same.
func sameSettings(a, b map[string]any) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

func (s *Server) addSource(w http.ResponseWriter, r *http.Request) {
	var req sourceRequest
	if err := decodeAdmin(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	src := sources.Source{Name: req.Name}
	if err := s.apply(r, req, &src); err != nil {
		s.writeError(w, r, err)
		return
	}
	id, err := s.sources.Engine.Store().Insert(r.Context(), src)
	switch {
	case errors.Is(err, sources.ErrExists):
		s.writeError(w, r, errorf(CodeInvalid, "name: a source called "+req.Name+" exists"))
		return
	case err != nil && strings.Contains(err.Error(), "sources_name_check"):
		s.writeError(w, r, errorf(CodeInvalid, "name: letters, digits, '.', '_' and '-', at most 64, starting with a letter or digit"))
		return
	case err != nil:
		s.writeError(w, r, err)
		return
	}
	s.auditSource(r, actionSourceAdded, src)
	out, err := s.sources.Engine.Store().Get(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusCreated, out)
}

func (s *Server) updateSource(w http.ResponseWriter, r *http.Request) {
	src, err := s.source(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req sourceRequest
	if err := decodeAdmin(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Name != "" && req.Name != src.Name {
		s.writeError(w, r, errorf(CodeInvalid, "name: a source cannot be renamed (its documents carry the name)"))
		return
	}
	before := src
	if err := s.apply(r, req, &src); err != nil {
		s.writeError(w, r, err)
		return
	}
	// New groups apply to documents whose content did not change: the
	// next run reads every entry again.
	forget := !slices.Equal(before.Groups, src.Groups) || before.Collection != src.Collection
	if err := s.sources.Engine.Store().Update(r.Context(), src, forget, before.Collection != src.Collection); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.auditSource(r, actionSourceUpdated, src)
	out, err := s.sources.Engine.Store().Get(r.Context(), src.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, out)
}

func (s *Server) removeSource(w http.ResponseWriter, r *http.Request) {
	src, err := s.source(r)
	if err == nil {
		err = s.sources.Engine.Store().Delete(r.Context(), src.ID)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.auditSource(r, actionSourceRemoved, src)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) syncSource(w http.ResponseWriter, r *http.Request) {
	src, err := s.source(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	job, err := s.sources.Enqueue(r.Context(), src.ID, user(r).Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.auditSource(r, actionSourceSync, src)
	writeJSON(w, r, http.StatusAccepted, map[string]any{"job_id": job})
}

func (s *Server) sourceRuns(w http.ResponseWriter, r *http.Request) {
	src, err := s.source(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	runs, err := s.sources.Engine.Store().Runs(r.Context(), src.ID, 20)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"runs": runs})
}

// auditSource records a change to a source: never its credentials'
// content (the reference names a file or variable, not a secret).
func (s *Server) auditSource(r *http.Request, action string, src sources.Source) {
	if s.auditDB == nil {
		return
	}
	_, err := audit.Append(r.Context(), s.auditDB, audit.Event{Action: action, Target: sources.AuditTarget(src),
		Details: sources.AuditDetails(src)})
	if err != nil {
		s.log.Error("audit a source change", "action", action, "source", src.Name, "err", err)
	}
}
