// Package oidctest runs a real OpenID Connect provider in-process for
// tests: zitadel/oidc's OpenID-certified op package over the in-memory
// storage of that module's example server, behind an httptest server. No
// token is forged here; tests sign in through the provider's own
// authorization, login and token endpoints.
//
// The example storage knows no groups, so Provider wraps it to put a
// "groups" claim (and preferred_username) into ID tokens and userinfo, as
// Keycloak or Dex do when configured for it.
package oidctest

import (
	"context"
	"crypto/rand"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// User is a user of the provider.
type User struct {
	Name     string // preferred_username, and what the login form asks
	Password string
	Groups   []string
}

// Client is a relying party registered at the provider (a confidential
// web client authenticating with HTTP Basic).
type Client struct {
	ID, Secret   string
	RedirectURIs []string
}

// Provider is a running OpenID provider.
type Provider struct {
	// Issuer is the provider's URL.
	Issuer string
}

// Start runs a provider with clients and users until the test ends.
func Start(t testing.TB, clients []Client, users []User) *Provider {
	t.Helper()
	us := userStore{byID: map[string]*storage.User{}, groups: map[string][]string{}}
	for _, u := range users {
		id := "id-" + u.Name
		us.byID[id] = &storage.User{ID: id, Username: u.Name, Password: u.Password, FirstName: u.Name, LastName: "Test",
			Email: u.Name + "@example.org", EmailVerified: true, PreferredLanguage: language.German}
		us.groups[id] = slices.Clone(u.Groups)
	}
	cs := map[string]*storage.Client{}
	for _, c := range clients {
		cs[c.ID] = storage.WebClient(c.ID, c.Secret, c.RedirectURIs...)
	}
	st := &groupStorage{Storage: storage.NewStorageWithClients(us, cs), users: us}

	ts := httptest.NewUnstartedServer(nil)
	issuer := "http://" + ts.Listener.Addr().String()
	var key [32]byte
	_, _ = rand.Read(key[:])
	provider, err := op.NewProvider(&op.Config{
		CryptoKey:                key,
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		DefaultLogoutRedirectURI: "/",
		SupportedUILocales:       []language.Tag{language.English},
	}, st, op.StaticIssuer(issuer), op.WithAllowInsecure())
	if err != nil {
		t.Fatalf("oidctest: new provider: %v", err)
	}
	interceptor := op.NewIssuerInterceptor(provider.IssuerFromRequest)
	callback := op.AuthCallbackURL(provider)
	mux := http.NewServeMux()
	// The example clients send users to /login/username?authRequestID=….
	mux.HandleFunc("GET /login/username", func(w http.ResponseWriter, r *http.Request) {
		_ = loginForm.Execute(w, map[string]string{"ID": r.URL.Query().Get("authRequestID")})
	})
	mux.Handle("POST /login/username", interceptor.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.FormValue("id")
		if err := st.CheckUsernamePassword(r.FormValue("username"), r.FormValue("password"), id); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			_ = loginForm.Execute(w, map[string]string{"ID": id, "Error": err.Error()})
			return
		}
		http.Redirect(w, r, callback(r.Context(), id), http.StatusFound)
	}))
	mux.Handle("/", provider)
	ts.Config.Handler = mux
	ts.Start()
	t.Cleanup(ts.Close)
	return &Provider{Issuer: issuer}
}

var loginForm = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html><body><form method="POST" action="/login/username">
<input type="hidden" name="id" value="{{.ID}}">
<input name="username"><input name="password" type="password">
<p>{{.Error}}</p><button type="submit">Login</button>
</form></body></html>`))

type userStore struct {
	byID   map[string]*storage.User
	groups map[string][]string
}

func (u userStore) GetUserByID(id string) *storage.User { return u.byID[id] }

func (u userStore) GetUserByUsername(name string) *storage.User {
	for _, x := range u.byID {
		if x.Username == name {
			return x
		}
	}
	return nil
}

func (u userStore) ExampleClientID() string { return storage.ServiceUserID }

// groupStorage adds the user's name and groups to ID tokens and userinfo.
type groupStorage struct {
	*storage.Storage
	users userStore
}

func (s *groupStorage) addClaims(ui *oidc.UserInfo, userID string) error {
	u := s.users.GetUserByID(userID)
	if u == nil {
		return fmt.Errorf("oidctest: no user %q", userID)
	}
	ui.PreferredUsername = u.Username
	ui.AppendClaims("groups", s.users.groups[userID])
	return nil
}

// SetUserinfoFromScopes is called for ID tokens.
func (s *groupStorage) SetUserinfoFromScopes(ctx context.Context, ui *oidc.UserInfo, userID, clientID string, scopes []string) error {
	if err := s.Storage.SetUserinfoFromScopes(ctx, ui, userID, clientID, scopes); err != nil {
		return err
	}
	return s.addClaims(ui, userID)
}

// SetUserinfoFromToken is called for the userinfo endpoint.
func (s *groupStorage) SetUserinfoFromToken(ctx context.Context, ui *oidc.UserInfo, tokenID, subject, origin string) error {
	if err := s.Storage.SetUserinfoFromToken(ctx, ui, tokenID, subject, origin); err != nil {
		return err
	}
	return s.addClaims(ui, subject)
}
