package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/server"
	"github.com/civitas-eu/civitas/internal/sources"
	"github.com/civitas-eu/civitas/internal/store"
)

// setupSources is a server with the /api/sources routes, whose "sync now"
// counts instead of queueing.
func setupSources(t *testing.T) (bundle, *atomic.Int32) {
	t.Helper()
	b, n := setupSourcesWith(t)
	return b.bundle, n
}

// sourcesBundle is a server with sources and the engine behind it.
type sourcesBundle struct {
	bundle
	engine *sources.Engine
}

func setupSourcesWith(t *testing.T) (sourcesBundle, *atomic.Int32) {
	t.Helper()
	pool := dbtest.Migrated(t)
	st, err := sources.NewStore(pool)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := store.New(pool)
	if err != nil {
		t.Fatal(err)
	}
	var synced atomic.Int32
	svc := &server.SourcesService{Engine: sources.NewEngine(st, sources.EngineConfig{Docs: docs}, nil),
		Enqueue: func(context.Context, int64, string) (int64, error) { synced.Add(1); return 1, nil }}
	return sourcesBundle{setup(t, setupOpts{sources: svc}), svc.Engine}, &synced
}

// removeSource deletes a source the test made, by name.
func removeSource(t *testing.T, b bundle, name string) {
	t.Cleanup(func() { _, _ = b.store.DB().Exec(context.Background(), "DELETE FROM sources WHERE name = $1", name) })
}

// TestSourceRoutesOnlyForManagers: every /api/sources route answers a
// knowledge manager and an admin, and refuses a plain user (403) and an
// anonymous caller (401).
func TestSourceRoutesOnlyForManagers(t *testing.T) {
	b, synced := setupSources(t)
	km := []string{auth.GroupKnowledgeManager}
	admin := []string{auth.GroupAdmin}
	staff := []string{"staff"}
	for i, who := range [][]string{km, admin} {
		name := dbtest.UniqueName("route-")
		removeSource(t, b, name)
		body := map[string]any{"name": name, "kind": "webdav", "url": "http://127.0.0.1:1/dav/", "collection": b.collection, "every": "1h"}
		routes := []struct {
			method, path string
			body         any
			want         int
		}{
			{"POST", "/api/sources", body, 201},
			{"GET", "/api/sources", nil, 200},
			{"PUT", "/api/sources/" + name, body, 200},
			{"POST", "/api/sources/" + name + "/sync", nil, 202},
			{"GET", "/api/sources/" + name + "/runs", nil, 200},
			{"DELETE", "/api/sources/" + name, nil, 204},
		}
		for _, rt := range routes {
			if rt.method != "GET" || rt.path != "/api/sources" {
				if resp, raw := request(t, rt.method, b.url+rt.path, "pat", staff, rt.body, nil); resp.StatusCode != 403 {
					t.Errorf("%s %s as a plain user: %d %s", rt.method, rt.path, resp.StatusCode, raw)
				}
				if resp, raw := request(t, rt.method, b.url+rt.path, "", nil, rt.body, nil); resp.StatusCode != 401 {
					t.Errorf("%s %s anonymous: %d %s", rt.method, rt.path, resp.StatusCode, raw)
				}
			}
			if resp, raw := request(t, rt.method, b.url+rt.path, "kim", who, rt.body, nil); resp.StatusCode != rt.want {
				t.Errorf("%s %s as %v: %d %s, want %d", rt.method, rt.path, who, resp.StatusCode, raw, rt.want)
			}
		}
		if int(synced.Load()) != i+1 {
			t.Errorf("sync now queued %d syncs", synced.Load())
		}
	}
}

// TestSourceAdminOnlyFieldsAndEgress: a knowledge manager may not let a
// source reach a public host, name credentials or give groups they are
// not in; an admin may; a public URL without allow_remote is refused with
// a message naming the url; a manager outside a source's groups does not
// see it.
func TestSourceAdminOnlyFieldsAndEgress(t *testing.T) {
	b, _ := setupSources(t)
	km := []string{auth.GroupKnowledgeManager, "bauamt"}
	admin := []string{auth.GroupAdmin}
	add := func(groups []string, extra map[string]any) (int, string) {
		t.Helper()
		name := dbtest.UniqueName("egress-")
		removeSource(t, b, name)
		body := map[string]any{"name": name, "kind": "webdav", "url": "http://10.0.0.7/dav/", "collection": b.collection}
		for k, v := range extra {
			body[k] = v
		}
		resp, raw := request(t, "POST", b.url+"/api/sources", "kim", groups, body, nil)
		return resp.StatusCode, string(raw)
	}
	for _, tc := range []struct {
		name   string
		groups []string
		extra  map[string]any
		want   int
		msg    string
	}{
		{"manager, allow_remote", km, map[string]any{"url": "https://8.8.8.8/dav/", "allow_remote": true}, 403, "allow_remote"},
		{"manager, credentials", km, map[string]any{"credentials": "file:/etc/passwd"}, 403, "credentials"},
		{"manager, foreign group", km, map[string]any{"groups": []string{"personalamt"}}, 403, "groups"},
		{"manager, own group", km, map[string]any{"groups": []string{"bauamt"}}, 201, ""},
		{"admin, public url", admin, map[string]any{"url": "https://8.8.8.8/dav/"}, 400, "url"},
		{"admin, public url allowed", admin, map[string]any{"url": "https://8.8.8.8/dav/", "allow_remote": true}, 201, ""},
		{"admin, credentials", admin, map[string]any{"credentials": "env:NC_CREDENTIALS"}, 201, ""},
		{"admin, a secret as credentials", admin, map[string]any{"credentials": "alice:hunter2"}, 400, "credentials"},
		{"bad cron", km, map[string]any{"cron": "every night"}, 400, "cron"},
		{"unknown kind", km, map[string]any{"kind": "gopher"}, 400, "kind"},
	} {
		status, body := add(tc.groups, tc.extra)
		if status != tc.want || !strings.Contains(body, tc.msg) {
			t.Errorf("%s: %d %s, want %d naming %q", tc.name, status, body, tc.want, tc.msg)
		}
		if strings.Contains(body, "hunter2") {
			t.Errorf("%s: the reply shows the secret", tc.name)
		}
	}
	// A manager of another office does not see the bauamt source.
	resp, raw := request(t, "GET", b.url+"/api/sources", "olga", []string{auth.GroupKnowledgeManager, "kaemmerei"}, nil, nil)
	var l struct{ Sources []sources.Source }
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &l) != nil {
		t.Fatalf("list: %d %s", resp.StatusCode, raw)
	}
	for _, s := range l.Sources {
		if len(s.Groups) == 1 && s.Groups[0] == "bauamt" {
			t.Errorf("a manager outside bauamt sees its source %s", s.Name)
			if resp, _ := request(t, "POST", b.url+"/api/sources/"+s.Name+"/sync", "olga", []string{auth.GroupKnowledgeManager, "kaemmerei"}, nil, nil); resp.StatusCode != 404 {
				t.Errorf("and may sync it: %d", resp.StatusCode)
			}
		}
	}
}

// TestFailedSyncInMetricsAndAudit: a sync whose server is unreachable
// shows as failed on the operator's /metrics and in the audit trail.
func TestFailedSyncInMetricsAndAudit(t *testing.T) {
	b, _ := setupSourcesWith(t)
	name := dbtest.UniqueName("metrics-")
	removeSource(t, b.bundle, name)
	resp, raw := request(t, "POST", b.url+"/api/sources", "kim", []string{auth.GroupKnowledgeManager},
		map[string]any{"name": name, "kind": "webdav", "url": "http://127.0.0.1:1/dav/", "collection": b.collection}, nil)
	var src sources.Source
	if resp.StatusCode != 201 || json.Unmarshal(raw, &src) != nil {
		t.Fatalf("add: %d %s", resp.StatusCode, raw)
	}
	run, err := b.engine.Sync(context.Background(), src.ID, 0)
	if err != nil || run.Status != "failed" {
		t.Fatalf("sync of an unreachable server: %+v %v", run, err)
	}
	resp, raw = request(t, "GET", b.metricsURL+"/metrics", "", nil, nil, nil)
	if want := `civitas_source_last_run_failed{source="` + name + `"} 1`; resp.StatusCode != 200 || !strings.Contains(string(raw), want) {
		t.Errorf("metrics lack %s (%d)", want, resp.StatusCode)
	}
	var n int
	if err := b.store.DB().QueryRow(context.Background(), "SELECT count(*) FROM audit_log WHERE action = $1 AND target = $2",
		sources.ActionSyncFailed, "source:"+name).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d audit events of the failed sync (%v), want 1", n, err)
	}
}
