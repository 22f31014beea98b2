package deploy_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// realmFile is the demo Keycloak's realm, imported by compose's keycloak
// service.
const realmFile = "../../deploy/keycloak/civitas-realm.json"

// TestKeycloakRealmMatchesEnvExample: the demo realm is what .env.example
// signs in with: the issuer is the keycloak service's hostname and realm,
// the client "civitas" is confidential with .env.example's secret, PKCE
// and its redirect URL, a mapper puts group names into the groups claim,
// and the three role groups have a demo user each.
func TestKeycloakRealmMatchesEnvExample(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(realmFile)
	if err != nil {
		t.Fatal(err)
	}
	var realm struct {
		Realm   string
		Groups  []struct{ Name string }
		Clients []struct {
			ClientID        string
			PublicClient    bool
			Secret          string
			RedirectURIs    []string
			Attributes      map[string]string
			ProtocolMappers []struct {
				ProtocolMapper string
				Config         map[string]string
			}
		}
		Users []struct {
			Username    string
			Groups      []string
			Credentials []struct{ Value string }
		}
	}
	if err := json.Unmarshal(data, &realm); err != nil {
		t.Fatalf("%s: %v", realmFile, err)
	}
	vars := envExample(t)
	kc := mustService(t, loadCompose(t), "keycloak")
	if want := kc.Environment["KC_HOSTNAME"] + "/realms/" + realm.Realm; vars["CIVITAS_OIDC_ISSUER"] != want {
		t.Errorf(".env.example CIVITAS_OIDC_ISSUER=%s, want the demo realm's issuer %s", vars["CIVITAS_OIDC_ISSUER"], want)
	}
	if !slices.Contains(kc.Command, "--import-realm") || !slices.ContainsFunc(kc.Volumes, func(v string) bool {
		return strings.HasPrefix(v, "./deploy/keycloak/civitas-realm.json:/opt/keycloak/data/import/")
	}) {
		t.Errorf("service keycloak: command %q volumes %q, want the realm imported", kc.Command, kc.Volumes)
	}
	if len(realm.Clients) != 1 || realm.Clients[0].ClientID != "civitas" {
		t.Fatalf("want one client civitas, got %+v", realm.Clients)
	}
	c := realm.Clients[0]
	if c.PublicClient || c.Secret == "" || c.Secret != vars["CIVITAS_OIDC_CLIENT_SECRET"] {
		t.Errorf("client civitas: public %v, secret %q; want confidential with .env.example's secret %q", c.PublicClient, c.Secret, vars["CIVITAS_OIDC_CLIENT_SECRET"])
	}
	if !slices.Contains(c.RedirectURIs, vars["CIVITAS_OIDC_REDIRECT_URL"]) || c.Attributes["pkce.code.challenge.method"] != "S256" {
		t.Errorf("client civitas: redirect URIs %q, PKCE %q; want %s and S256", c.RedirectURIs, c.Attributes["pkce.code.challenge.method"], vars["CIVITAS_OIDC_REDIRECT_URL"])
	}
	if !slices.ContainsFunc(c.ProtocolMappers, func(m struct {
		ProtocolMapper string
		Config         map[string]string
	}) bool {
		return m.ProtocolMapper == "oidc-group-membership-mapper" && m.Config["claim.name"] == "groups" &&
			m.Config["full.path"] == "false" && m.Config["id.token.claim"] == "true"
	}) {
		t.Error("client civitas: no group membership mapper into the groups claim (names, not paths)")
	}
	for _, g := range []string{"admin", "auditor", "knowledge-manager"} {
		if !slices.ContainsFunc(realm.Groups, func(x struct{ Name string }) bool { return x.Name == g }) {
			t.Errorf("realm: no group %s", g)
		}
		member := false
		for _, u := range realm.Users {
			if slices.Contains(u.Groups, "/"+g) && len(u.Credentials) == 1 && u.Credentials[0].Value != "" {
				member = true
			}
		}
		if !member {
			t.Errorf("realm: no demo user with a password in group %s", g)
		}
	}
}
