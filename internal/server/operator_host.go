package server

import (
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// The operator listener (MetricsHandler) has no sign-in: it is kept on
// loopback or a monitoring network. A DNS-rebinding page could still
// reach it through a browser on that network (rebind.attacker.example
// resolving to 127.0.0.1), so it too answers only Host names that cannot
// be an attacker's: loopback names, the host of --metrics-listen itself,
// and IP literals. An IP literal needs no DNS, so no name can be rebound
// to it: a page is same-origin with it only if it was loaded from that
// very address. That keeps scrapers working that reach the listener by
// address (Prometheus scraping a pod's IP); one that scrapes by a name
// sets --metrics-listen to that name.

// hostName is the host part of a Host header, normalized as the public
// check does (lower case, no trailing dot, no brackets).
func hostName(host string) string {
	name, _, err := net.SplitHostPort(host)
	if err != nil {
		name = host
	}
	return strings.Trim(normalHost(name), "[]")
}

// operatorHostAllowed reports whether host may reach the operator
// listener configured at listen (Config.MetricsListen).
func operatorHostAllowed(listen, host string) bool {
	name := hostName(host)
	if name == "" {
		return false
	}
	if isLoopbackName(name) {
		return true
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return true
	}
	return listen != "" && name == hostName(listen)
}

// operatorHostGuard refuses operator requests for another Host (421).
func (s *Server) operatorHostGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if operatorHostAllowed(s.cfg.MetricsListen, r.Host) {
			next.ServeHTTP(w, r)
			return
		}
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "operator request for a foreign host refused",
			slog.String("host", r.Host), slog.String("client", r.RemoteAddr), slog.String("path", r.URL.Path))
		s.writeError(w, r, errorf(CodeMisdirected, "this listener does not answer for that host name"))
	})
}
