package server

import (
	"testing"

	"github.com/civitas-eu/civitas/internal/store"
)

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

// TestPassageOverlapCountsUTF16Units: the view (passage.js) cuts the
// shared sentences off the end of the previous passage's text node,
// whose length the browser counts in UTF-16 units, not bytes. With an
// umlaut in the shared sentence a byte count marked text of the previous
// passage that the cited one does not hold.
func TestPassageOverlapCountsUTF16Units(t *testing.T) {
	ps := []store.Passage{
		{ID: 1, Text: "Die Gebühr. Für Ämter gilt 𝔸."},
		{ID: 2, Text: "Für Ämter gilt 𝔸. Neu."},
	}
	got := passageViews(ps, 0)
	// "Für Ämter gilt 𝔸." is 22 bytes, 18 UTF-16 units (𝔸 is two).
	if len(got) != 2 || got[1].Overlap != 18 || got[1].Text != " Neu." {
		t.Fatalf("second view: %+v, want overlap 18 (UTF-16 units) and text %q", got[1], " Neu.")
	}
}
