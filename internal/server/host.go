package server

import (
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// publicHost is a host name (and port) the assistant answers for.
type publicHost struct {
	name string // lower case, no trailing dot
	port string // "" when the URL gives none: then only no port or 80/443 match
}

// publicHosts reads Config.PublicURLs. Configuration has validated them;
// one that does not parse here is skipped, which narrows, never widens,
// what is answered.
func publicHosts(urls []string) []publicHost {
	var out []publicHost
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || u.Hostname() == "" {
			continue
		}
		out = append(out, publicHost{name: normalHost(u.Hostname()), port: u.Port()})
	}
	return out
}

func normalHost(h string) string { return strings.TrimSuffix(strings.ToLower(h), ".") }

// hostAllowed reports whether the Host header names this assistant: one
// of the public hosts, or, without any configured, a loopback name (the
// development setup, where nothing else should reach it).
func (s *Server) hostAllowed(host string) bool {
	name, port, err := net.SplitHostPort(host)
	if err != nil {
		name, port = host, ""
	}
	name = normalHost(name)
	if len(s.hosts) == 0 {
		return isLoopbackName(name)
	}
	for _, h := range s.hosts {
		if h.name != name {
			continue
		}
		if port == h.port || (h.port == "" && (port == "80" || port == "443")) {
			return true
		}
	}
	return false
}

// isLoopbackName reports whether name can only mean this machine.
func isLoopbackName(name string) bool {
	if name == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(strings.Trim(name, "[]"))
	return err == nil && a.Unmap().IsLoopback()
}

// probePaths answer for any Host: orchestrators probe by the address of
// the container or pod (Kubernetes' httpGet sends "Host: <pod IP>:port"),
// which no --public-url can name in advance. They carry no credentials
// and no user data; whatever else they show, a caller who reaches the
// port already sees.
var probePaths = map[string]bool{"/healthz": true, "/readyz": true}

// hostGuard refuses requests for a Host the assistant does not answer for
// (421 Misdirected Request), before sign-in and the cross-origin guard.
// Without it a DNS-rebinding page (rebind.attacker.example resolving to
// this server) is same-origin with its own requests: the browser sends
// them with the victim's network position, and the cross-origin guard,
// comparing Origin with that Host, lets them through.
func (s *Server) hostGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.hostAllowed(r.Host) || ((r.Method == http.MethodGet || r.Method == http.MethodHead) && probePaths[r.URL.Path]) {
			next.ServeHTTP(w, r)
			return
		}
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "request for a foreign host refused",
			slog.String("host", r.Host), slog.String("client", r.RemoteAddr),
			slog.String("method", r.Method), slog.String("path", r.URL.Path))
		s.writeError(w, r, errorf(CodeMisdirected, "this server does not answer for that host name"))
	})
}
