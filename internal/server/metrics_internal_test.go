package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func newTestServer(t *testing.T, lim Limits) *Server {
	t.Helper()
	// httptest requests name example.com: the Host check must let them in.
	return New(Config{Limits: lim, PublicURLs: []string{"http://example.com"}}, slog.New(slog.NewTextHandler(io.Discard, nil)), Deps{})
}

// scrape returns the metrics text of s.
func scrape(t *testing.T, s *Server) string {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Host = "127.0.0.1:9464" // the operator listener answers loopback names
	s.MetricsHandler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d", rec.Code)
	}
	return rec.Body.String()
}

// Methods and routes are labels from fixed sets: twenty requests with
// 500 KB method names (which grew the old registry's output from 15 KB to
// 10 MB, for ever) are counted as method "other", route "unmatched".
func TestMetricsMethodLabelBounded(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Limits{})
	h := s.Handler()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/healthz", nil))
	before := len(scrape(t, s))
	for i := range 20 {
		req := httptest.NewRequest("GET", "/healthz", nil)
		req.Method = fmt.Sprintf("M%d%s", i, strings.Repeat("X", 500<<10))
		h.ServeHTTP(httptest.NewRecorder(), req)
		req = httptest.NewRequest("GET", fmt.Sprintf("/no/such/%d/%s", i, strings.Repeat("p", 1000)), nil)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	out := scrape(t, s)
	if len(out) > before+8<<10 {
		t.Errorf("metrics grew from %d to %d bytes", before, len(out))
	}
	if strings.Contains(out, "XXXX") || strings.Contains(out, "/no/such") {
		t.Error("a method name or a raw path became a label value")
	}
	for _, want := range []string{
		`civitas_http_requests_total{method="other",route="unmatched",status="Method Not Allowed"} 20`,
		`civitas_http_requests_total{method="GET",route="unmatched",status="Not Found"} 20`,
		`civitas_http_requests_total{method="GET",route="GET /healthz",status="OK"} 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %s:\n%s", want, grep(out, "civitas_http_requests_total"))
		}
	}
}

func grep(text, prefix string) string {
	var lines []string
	for l := range strings.Lines(text) {
		if strings.HasPrefix(l, prefix) {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "")
}

// A metrics reader that stops reading holds up nobody: requests go on
// being served and counted while it stalls.
func TestMetricsSlowReaderDoesNotBlockRequests(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Limits{})
	pub := httptest.NewServer(s.Handler())
	t.Cleanup(pub.Close)
	ops := httptest.NewServer(s.MetricsHandler())
	t.Cleanup(ops.Close)

	// A reader that asks for the metrics and never reads the reply.
	conn, err := net.Dial("tcp", ops.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	for range 20 {
		fmt.Fprintf(conn, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n") // pipelined, unread
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := range 50 {
		req, _ := http.NewRequestWithContext(ctx, "GET", pub.URL+"/healthz", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("request %d while a metrics reader stalls: %v", i, err)
		}
		resp.Body.Close()
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", ops.URL+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	found := false
	for sc.Scan() {
		found = found || strings.HasPrefix(sc.Text(), `civitas_http_requests_total{method="GET",route="GET /healthz",status="OK"} 50`)
	}
	if !found {
		t.Error("the 50 requests were not counted")
	}
}
