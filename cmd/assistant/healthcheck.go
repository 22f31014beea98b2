package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/civitas-eu/civitas/internal/config"
)

// runHealthcheck is `assistant healthcheck`: the container's HEALTHCHECK
// in an image without a shell or curl. It GETs /healthz on the loopback
// address of the port in --listen (CIVITAS_LISTEN), or with --operator of
// the one in --metrics-listen (a worker's), and exits 0 on 200, 1
// otherwise. It reads only those two settings, so that a check never
// fails over a setting the server would have refused at start-up anyway.
func (m *Main) runHealthcheck(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("assistant healthcheck", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	operator := fs.Bool("operator", false, "check the operator listener (--metrics-listen), as for `assistant worker`")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	name, env, def := "--listen", "CIVITAS_LISTEN", config.DefaultListen
	if *operator {
		name, env, def = "--metrics-listen", "CIVITAS_METRICS_LISTEN", config.DefaultMetricsListen
	}
	listen := m.Getenv(env)
	if listen == "" {
		listen = def
	}
	_, port, err := net.SplitHostPort(listen)
	if err != nil || port == "" || port == "0" {
		return fmt.Errorf("healthcheck: %s (%s) %q names no port to check", name, env, listen)
	}
	url := "http://" + net.JoinHostPort("127.0.0.1", port) + "/healthz"
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("healthcheck: GET " + url + ": " + resp.Status)
	}
	fmt.Fprintln(m.Stdout, "healthy:", url)
	return nil
}

// printVersion is `assistant --version`.
func (m *Main) printVersion() error {
	fmt.Fprintln(m.Stdout, "civitas assistant", version)
	return nil
}
