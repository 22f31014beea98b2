package server

import (
	"net/http"
)

// contentSecurityPolicy allows nothing but this origin: the pages load
// their scripts and styles from embedded files (no inline script, no CDN —
// a city's network may have no internet and must not leak), and may frame
// only our own document viewer. frame-ancestors keeps other sites from
// framing the assistant (clickjacking).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"

// securityHeaders sets the headers every reply carries. A handler may
// tighten the policy for what it serves (original documents are
// sandboxed).
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "SAMEORIGIN")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		next.ServeHTTP(w, r)
	})
}

// crossOriginGuard refuses state-changing requests that a browser sends on
// behalf of another site (CSRF). It relies on Sec-Fetch-Site and Origin,
// which every current browser sends and no page can forge; requests
// without them (curl, OpenAI clients with a bearer token) are not from a
// browser and carry no ambient cookie authority worth forging.
func (s *Server) crossOriginGuard(next http.Handler) http.Handler {
	p := http.NewCrossOriginProtection()
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, errorf(CodeForbidden, "cross-origin request refused"))
	}))
	return p.Handler(next)
}

// whenEnabled answers unavailable when this server was started without
// feature (on is false), so that h may use it.
func (s *Server) whenEnabled(on bool, feature string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !on {
			s.writeError(w, r, errorf(CodeUnavailable, feature+" is not enabled on this server"))
			return
		}
		h(w, r)
	}
}

// requireGroup lets through only callers in group; the others get 403.
// It runs after authenticate.
func (s *Server) requireGroup(group string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !user(r).InGroup(group) {
			s.writeError(w, r, errorf(CodeForbidden, "this needs membership of the "+group+" group"))
			return
		}
		next.ServeHTTP(w, r)
	})
}
