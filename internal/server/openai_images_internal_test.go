package server

import (
	"strings"
	"testing"
)

// The guard gives the same text however the input is cut into tokens.
func TestImageGuard(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Plain text, a < b, 3 <= 4! [1] [2][3].", "Plain text, a < b, 3 <= 4! [1] [2][3]."},
		{"See ![logo](https://evil.example/?q=secret) here", "See [image: logo] here"},
		{"![a](<https://e.example/x y> \"t\")!", "[image: a]!"},
		{"![nested ![b](https://e.example/b)](https://e.example/a)", "[image: nested [image: b]]"},
		{"![ref][r]\n\n[r]: https://e.example/", "[image: ref]\n\n[r]: https://e.example/"},
		{"![shortcut] text", "[image: shortcut] text"},
		{"![a](https://e.example/(paren)) end", "[image: a] end"},
		{`<img src="https://e.example/">`, `&lt;img src="https://e.example/">`},
		{"<IMG SRC=x> </p> <!-- c --> <svg onload=x>", "&lt;IMG SRC=x> &lt;/p> &lt;!-- c --> &lt;svg onload=x>"},
		{"ends with !", "ends with !"},
		{"ends with <", "ends with <"},
		{"cut short ![alt](https://e.example/?q=", `cut short [image: alt]\(https://e.example/?q=`},
		{"cut short ![alt", "cut short [alt"},
		{"link [x](https://ok.example/) stays", "link [x](https://ok.example/) stays"},
	}
	for _, tt := range tests {
		if got := neutraliseImages(tt.in); got != tt.want {
			t.Errorf("neutraliseImages(%q) = %q, want %q", tt.in, got, tt.want)
		}
		for cut := 1; cut < len(tt.in); cut++ {
			for _, size := range []int{1, cut} {
				var g imageGuard
				var b strings.Builder
				for i := 0; i < len(tt.in); i += size {
					b.WriteString(g.write(tt.in[i:min(i+size, len(tt.in))]))
				}
				b.WriteString(g.flush())
				if b.String() != tt.want {
					t.Fatalf("%q in pieces of %d: %q, want %q", tt.in, size, b.String(), tt.want)
				}
			}
		}
	}
}

// An image whose URL never closes is let go as text once it is too long
// to hold, without its "!" or "(": it loads nothing.
func TestImageGuardBoundsWhatItHolds(t *testing.T) {
	t.Parallel()
	var g imageGuard
	out := g.write("![x](https://e.example/?q=")
	for range 1000 {
		out += g.write("aaaaaaaa")
	}
	if len(g.held) > maxImageHold+8 {
		t.Fatalf("holds %d bytes", len(g.held))
	}
	out += g.flush()
	if strings.Contains(out, "![") || !strings.HasPrefix(out, `[image: x]\(`) {
		t.Fatalf("output starts %q", out[:40])
	}
}
