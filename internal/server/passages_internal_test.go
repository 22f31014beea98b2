package server

import "testing"

// TestPassageOverlapShownOnce: the sentences two passages share are cut
// from the second, at a word boundary only.
func TestPassageOverlapShownOnce(t *testing.T) {
	for _, tt := range []struct {
		prev, cur string
		want      int
	}{
		{"One. Two. Three.", "Two. Three. Four.", len("Two. Three.")},
		{"One. Two.", "Four. Five.", 0},
		{"One. Two. Three.", "Three. Four.", len("Three.")},
		{"One. Two.", "Two. Three.", len("Two.")},
		{"abc", "bcd", 0},
		{"", "x", 0},
		{"Same text", "Same text", len("Same text")},
	} {
		if got := overlap(tt.prev, tt.cur); got != tt.want {
			t.Errorf("overlap(%q, %q) = %d, want %d", tt.prev, tt.cur, got, tt.want)
		}
	}
}
