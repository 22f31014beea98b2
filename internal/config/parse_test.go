package config_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/config"
)

func TestParseSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		want    config.ParseConfig
		wantErr string
	}{
		{name: "defaults: sandboxed, 1 GiB, 2 min", want: config.ParseConfig{Sandbox: true, MemoryBytes: 1 << 30, CPU: 2 * time.Minute}},
		{name: "set", env: map[string]string{"CIVITAS_PARSE_SANDBOX": "false", "CIVITAS_PARSE_MEMORY": "256", "CIVITAS_PARSE_CPU": "30s", "CIVITAS_PARSE_TIMEOUT": "1m"},
			want: config.ParseConfig{MemoryBytes: 256 << 20, CPU: 30 * time.Second, Timeout: time.Minute}},
		{name: "memory too small", env: map[string]string{"CIVITAS_PARSE_MEMORY": "16"}, wantErr: "--parse-memory"},
		{name: "CPU too small", env: map[string]string{"CIVITAS_PARSE_CPU": "10ms"}, wantErr: "--parse-cpu"},
		{name: "timeout negative", env: map[string]string{"CIVITAS_PARSE_TIMEOUT": "-1s"}, wantErr: "--parse-timeout"},
		{name: "sandbox not a bool", env: map[string]string{"CIVITAS_PARSE_SANDBOX": "maybe"}, wantErr: "--parse-sandbox"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _, err := config.Load("ingest", nil, env(tt.env), &bytes.Buffer{}, nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load error = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if c.Parse != tt.want {
				t.Errorf("Parse = %+v, want %+v", c.Parse, tt.want)
			}
		})
	}
}
