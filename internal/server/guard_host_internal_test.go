package server

import "testing"

// hostAllowed: the public URLs' hosts (any case, default ports), and
// without any, loopback names only: the development setup, which a
// rebinding name must not reach either.
func TestHostAllowed(t *testing.T) {
	t.Parallel()
	public := &Server{hosts: publicHosts([]string{"https://assistant.example-city.eu", "http://10.0.0.5:8080"})}
	loopback := &Server{}
	tests := []struct {
		s    *Server
		host string
		want bool
	}{
		{public, "assistant.example-city.eu", true},
		{public, "Assistant.Example-City.EU.", true},
		{public, "assistant.example-city.eu:443", true},
		{public, "assistant.example-city.eu:8443", false},
		{public, "10.0.0.5:8080", true},
		{public, "10.0.0.5", false},
		{public, "rebind.attacker.example", false},
		{public, "localhost:8080", false},
		{public, "", false},
		{loopback, "localhost:8080", true},
		{loopback, "127.0.0.1:8080", true},
		{loopback, "[::1]:8080", true},
		{loopback, "rebind.attacker.example:8080", false},
		{loopback, "10.0.0.5:8080", false},
		{loopback, "", false},
	}
	for _, tt := range tests {
		if got := tt.s.hostAllowed(tt.host); got != tt.want {
			t.Errorf("hosts %v: hostAllowed(%q) = %v, want %v", tt.s.hosts, tt.host, got, tt.want)
		}
	}
}
