package server

import (
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/civitas-eu/civitas/internal/auth"
)

// loginCookie binds a sign-in in progress to the browser that started
// it: the callback's state must equal it. Without this, an attacker could
// send a victim the callback link of the attacker's own sign-in and have
// the victim work under the attacker's account (login CSRF).
const loginCookie = "civitas_login"

// authenticate puts the caller into the request context. Without one, a
// browser asking for a page in OIDC mode is sent to sign in and comes
// back; anything else gets 401 JSON.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := s.authn.Identify(r)
		if errors.Is(err, auth.ErrUnauthenticated) {
			if s.authn.CanLogin() && wantsPage(r) {
				http.Redirect(w, r, "/auth/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
				return
			}
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.NewContext(r.Context(), u)))
	})
}

// logDenied records a 401 or 403 reply with the client's address and the
// route, so that probing (forged headers, guessed keys, role escalation)
// shows in the log; writeError and renderGroupPage call it for every such
// reply. The address is the connection's peer, not X-Forwarded-For, which
// the client writes; behind a proxy it is the proxy, and the proxy's own
// log has the rest.
func (s *Server) logDenied(r *http.Request, status int, why error) {
	route := r.Pattern
	if route == "" {
		route = "unmatched"
	}
	var name string
	if u, ok := auth.FromContext(r.Context()); ok {
		name = u.Name
	}
	s.log.LogAttrs(r.Context(), slog.LevelWarn, "request refused",
		slog.Int("status", status), slog.String("client", r.RemoteAddr), slog.String("route", route),
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("user", name),
		slog.String("why", why.Error()))
}

// wantsPage reports whether r is a browser navigation to a page, which a
// redirect to the sign-in helps, unlike a script's fetch.
func wantsPage(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) && acceptsHTML(r) &&
		r.Header.Get("Authorization") == ""
}

func acceptsHTML(r *http.Request) bool { return strings.Contains(r.Header.Get("Accept"), "text/html") }

// login starts an OpenID Connect sign-in: GET /auth/login?next=/path.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if !s.authn.CanLogin() {
		s.writeError(w, r, errorf(CodeNotFound, "sign-in through OpenID Connect is not configured"))
		return
	}
	authURL, state, err := s.authn.BeginLogin(r.Context(), safeNext(r.URL.Query().Get("next")))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: state, Path: "/auth/callback", MaxAge: 600,
		HttpOnly: true, Secure: s.authn.CookieSecure(), SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, authURL, http.StatusFound)
}

// callback completes a sign-in: GET /auth/callback?code=…&state=…, sent by
// the provider through the browser. It opens a session and returns the
// browser to where the sign-in started.
func (s *Server) callback(w http.ResponseWriter, r *http.Request) {
	if !s.authn.CanLogin() {
		s.writeError(w, r, errorf(CodeNotFound, "sign-in through OpenID Connect is not configured"))
		return
	}
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "identity provider refused a sign-in",
			slog.String("error", e), slog.String("description", q.Get("error_description")))
		s.writeError(w, r, errorf(CodeUnauthenticated, "the identity provider did not sign you in; try again"))
		return
	}
	state := q.Get("state")
	c, err := r.Cookie(loginCookie)
	if err != nil || state == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) != 1 {
		s.writeError(w, r, errorf(CodeUnauthenticated, "this sign-in was not started in this browser (or took too long); start again"))
		return
	}
	u, subject, next, err := s.authn.FinishLogin(r.Context(), q.Get("code"), state)
	if errors.Is(err, auth.ErrLogin) {
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "sign-in failed", slog.Any("err", err))
		s.writeError(w, r, errorf(CodeUnauthenticated, "sign-in failed; start again"))
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	token, err := s.authn.NewSession(r.Context(), u, subject)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "signed in", slog.String("user", u.Name), slog.Any("groups", u.Groups))
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Path: "/auth/callback", MaxAge: -1,
		HttpOnly: true, Secure: s.authn.CookieSecure(), SameSite: http.SameSiteLaxMode})
	// No Max-Age: the cookie ends with the browser; the server enforces
	// the idle and absolute expiry whatever the browser keeps.
	http.SetCookie(w, &http.Cookie{Name: auth.CookieName, Value: token, Path: "/",
		HttpOnly: true, Secure: s.authn.CookieSecure(), SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout ends the browser's session: POST /auth/logout → 204 (a form
// post from a page gets 303 to /signed-out).
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(auth.CookieName); err == nil && c.Value != "" {
		if err := s.authn.EndSession(r.Context(), c.Value); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: auth.CookieName, Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.authn.CookieSecure(), SameSite: http.SameSiteLaxMode})
	if acceptsHTML(r) {
		// Not to /: that sends the browser on to the provider, and the
		// pages' CSP (form-action 'self') covers a form post's redirects,
		// so the browser would refuse to leave the page and show the user
		// still signed in. A live provider session would sign them straight
		// back in anyway.
		http.Redirect(w, r, "/signed-out", http.StatusSeeOther)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// me describes the caller: GET /api/me.
func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	groups := u.Groups
	if groups == nil {
		groups = []string{}
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"name": u.Name, "groups": groups, "auth": u.Method})
}

// maxNext bounds the return path a sign-in stores: anyone may start a
// sign-in, and each one is a row until it expires.
const maxNext = 2 << 10

// safeNext returns next if it is a path on this site, else "/": an open
// redirect would let a link to our sign-in forward to a phishing page. A
// path longer than maxNext is refused too, so an unauthenticated request
// cannot park large values in the database.
func safeNext(next string) string {
	if next == "" || len(next) > maxNext || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}
