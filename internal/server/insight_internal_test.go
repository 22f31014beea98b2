package server

import (
	"context"
	"testing"
)

// TestRaterNameFollowsTheSetting: knowledge managers see who rated an
// answer by name only with --feedback-show-names; otherwise a pseudonym
// (none at all without the privacy service to key it), and a name that
// retention pseudonymised already stays as it is.
func TestRaterNameFollowsTheSetting(t *testing.T) {
	for _, tt := range []struct {
		name      string
		showNames bool
		rater     string
		want      string
	}{
		{"names allowed", true, "erika.muster", "erika.muster"},
		{"names not allowed, no key", false, "erika.muster", ""},
		{"pseudonymised by retention", false, "pseud-0123456789abcdef", "pseud-0123456789abcdef"},
	} {
		s := &Server{cfg: Config{Insight: InsightConfig{ShowNames: tt.showNames}}}
		got, err := s.raterName(context.Background(), tt.rater)
		if err != nil || got != tt.want {
			t.Errorf("%s: %q %v, want %q", tt.name, got, err, tt.want)
		}
	}
}
