package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/sources"
)

// addSourceAs adds a source as the caller and returns it; the test fails
// unless the reply is 201.
func addSourceAs(t *testing.T, b bundle, who string, groups []string, body map[string]any) sources.Source {
	t.Helper()
	name := dbtest.UniqueName("attack-")
	removeSource(t, b, name)
	body["name"] = name
	if body["collection"] == nil {
		body["collection"] = b.collection
	}
	resp, raw := request(t, "POST", b.url+"/api/sources", who, groups, body, nil)
	var src sources.Source
	if resp.StatusCode != 201 || json.Unmarshal(raw, &src) != nil {
		t.Fatalf("add %v: %d %s", body, resp.StatusCode, raw)
	}
	return src
}

// TestManagerCannotRepointAdminApprovedSource: an admin's allow_remote
// and credentials approve one host. A knowledge manager who may edit the
// (public) source must not move it elsewhere while keeping them: that
// would send the credentials to a host of their choosing and reach any
// host on the internet.
func TestManagerCannotRepointAdminApprovedSource(t *testing.T) {
	b, _ := setupSources(t)
	admin := []string{auth.GroupAdmin}
	km := []string{auth.GroupKnowledgeManager}
	for _, tc := range []struct {
		name   string
		source map[string]any
	}{
		{"allow_remote", map[string]any{"kind": "webdav", "url": "https://8.8.8.8/dav/", "allow_remote": true}},
		{"credentials", map[string]any{"kind": "webdav", "url": "http://10.0.0.7/dav/", "credentials": "env:NC_CREDENTIALS"}},
	} {
		src := addSourceAs(t, b, "ada", admin, tc.source)
		for field, v := range map[string]any{"url": "http://10.6.6.6/dav/", "kind": "s3", "settings": map[string]any{"region": "x"}} {
			body := map[string]any{}
			for k, v := range tc.source {
				body[k] = v
			}
			body["collection"] = b.collection
			body[field] = v
			if field == "kind" {
				body["url"] = "http://10.6.6.6/bucket"
			}
			resp, raw := request(t, "PUT", b.url+"/api/sources/"+src.Name, "kim", km, body, nil)
			if resp.StatusCode != 403 {
				t.Errorf("%s: a manager changed the %s of an admin-approved source: %d %s", tc.name, field, resp.StatusCode, raw)
			}
		}
		// What the admin approved is unchanged; the manager may still
		// change the schedule.
		body := map[string]any{"every": "2h", "collection": b.collection}
		for k, v := range tc.source {
			body[k] = v
		}
		if resp, raw := request(t, "PUT", b.url+"/api/sources/"+src.Name, "kim", km, body, nil); resp.StatusCode != 200 {
			t.Errorf("%s: a manager may not change the schedule: %d %s", tc.name, resp.StatusCode, raw)
		}
		if resp, raw := request(t, "PUT", b.url+"/api/sources/"+src.Name, "ada", admin,
			map[string]any{"kind": "webdav", "url": "http://10.0.0.8/dav/", "collection": b.collection}, nil); resp.StatusCode != 200 {
			t.Errorf("%s: the admin may not repoint it: %d %s", tc.name, resp.StatusCode, raw)
		}
	}
}

// TestSourceRefusesMetadataService: link-local addresses (the cloud
// metadata service 169.254.169.254, fe80::) are no document store; a
// source reaches them only when an admin allows remote hosts.
func TestSourceRefusesMetadataService(t *testing.T) {
	b, _ := setupSources(t)
	km := []string{auth.GroupKnowledgeManager}
	for _, u := range []string{"http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/dav/",
		"http://[::ffff:169.254.169.254]/dav/"} {
		for _, kind := range []string{"webdav", "web", "oparl", "s3"} {
			name := dbtest.UniqueName("meta-")
			removeSource(t, b, name)
			resp, raw := request(t, "POST", b.url+"/api/sources", "kim", km,
				map[string]any{"name": name, "kind": kind, "url": u, "collection": b.collection}, nil)
			if resp.StatusCode != 400 || !strings.Contains(string(raw), "url") {
				t.Errorf("%s source at %s: %d %s, want 400 naming the url", kind, u, resp.StatusCode, raw)
			}
		}
	}
}

// TestSourceCredentialsNeverTheServersOwn: a credentials reference may
// not name one of the server's own settings (CIVITAS_*), whose values
// (the database password, the session key) would be sent to the source's
// host, nor read more than a credentials file holds.
func TestSourceCredentialsNeverTheServersOwn(t *testing.T) {
	b, _ := setupSources(t)
	for _, ref := range []string{"env:CIVITAS_DATABASE_URL", "env:civitas_session_secret"} {
		name := dbtest.UniqueName("creds-")
		removeSource(t, b, name)
		resp, raw := request(t, "POST", b.url+"/api/sources", "ada", []string{auth.GroupAdmin},
			map[string]any{"name": name, "kind": "webdav", "url": "http://10.0.0.7/dav/", "collection": b.collection, "credentials": ref}, nil)
		if resp.StatusCode != 400 || !strings.Contains(string(raw), "credentials") {
			t.Errorf("credentials %s: %d %s, want 400 naming credentials", ref, resp.StatusCode, raw)
		}
	}
}

// TestSourceChangesAuditedAndCSRFRefused: adding, changing, syncing and
// removing a source each leave one audit event naming it; a cross-site
// browser request changes nothing.
func TestSourceChangesAuditedAndCSRFRefused(t *testing.T) {
	b, _ := setupSources(t)
	km := []string{auth.GroupKnowledgeManager}
	src := addSourceAs(t, b, "kim", km, map[string]any{"kind": "webdav", "url": "http://10.0.0.7/dav/"})
	body := map[string]any{"kind": "webdav", "url": "http://10.0.0.9/dav/", "collection": b.collection}
	evil := map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
	for _, rt := range []struct{ method, path string }{
		{"POST", "/api/sources"}, {"PUT", "/api/sources/" + src.Name}, {"POST", "/api/sources/" + src.Name + "/sync"},
		{"DELETE", "/api/sources/" + src.Name},
	} {
		if resp, raw := request(t, rt.method, b.url+rt.path, "kim", km, body, evil); resp.StatusCode != 403 {
			t.Errorf("cross-site %s %s: %d %s", rt.method, rt.path, resp.StatusCode, raw)
		}
	}
	for _, rt := range []struct {
		method, path string
		want         int
	}{
		{"PUT", "/api/sources/" + src.Name, 200}, {"POST", "/api/sources/" + src.Name + "/sync", 202},
		{"DELETE", "/api/sources/" + src.Name, 204},
	} {
		if resp, raw := request(t, rt.method, b.url+rt.path, "kim", km, body, nil); resp.StatusCode != rt.want {
			t.Fatalf("%s %s: %d %s", rt.method, rt.path, resp.StatusCode, raw)
		}
	}
	for _, action := range []string{"source.added", "source.updated", "source.sync_requested", "source.removed"} {
		var n int
		if err := b.store.DB().QueryRow(context.Background(), "SELECT count(*) FROM audit_log WHERE action = $1 AND target = $2",
			action, "source:"+src.Name).Scan(&n); err != nil || n != 1 {
			t.Errorf("%d %s events (%v), want 1", n, action, err)
		}
	}
}
