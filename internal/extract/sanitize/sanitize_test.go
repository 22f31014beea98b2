package sanitize

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain", "Straße", "Straße"},
		{"invalid UTF-8 replaced", "caf\xe9 ok", "caf\uFFFD ok"},
		{"NUL and controls dropped", "a\x00b\x01c\x7fd\u0085e", "abc" + "d\ne"},
		{"CRLF and CR", "one\r\ntwo\rthree", "one\ntwo\nthree"},
		{"tabs kept, spaces before them dropped", "a  \tb", "a\tb"},
		{"runs of spaces collapse", "a    b \u00a0 c", "a b c"},
		{"leading and trailing whitespace go", "  \n\t a b \n\n ", "a b"},
		{"trailing spaces on lines go", "a   \nb", "a\nb"},
		{"blank lines collapse to one", "a\n\n\n\nb", "a\n\nb"},
		{"form feed is a break", "page one\fpage two", "page one\npage two"},
		{"zero-width and soft hyphen dropped", "Bürger\u00adamt\u200b \ufeffinfo", "Bürgeramt info"},
		{"NFC", "e\u0301te\u0301", "été"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Text(tt.in); got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestTextInvariants checks the promise Block.Text makes on every
// byte value, a cheap exhaustive complement to the fuzz targets.
func TestTextInvariants(t *testing.T) {
	t.Parallel()
	var all strings.Builder
	for b := range 256 {
		all.WriteByte(byte(b))
		all.WriteString("x")
	}
	all.WriteString("\u2028\u202e\U0010FFFF")
	got := Text(all.String())
	if !utf8.ValidString(got) {
		t.Error("result is not valid UTF-8")
	}
	for _, r := range got {
		if r < 0x20 && r != '\n' && r != '\t' {
			t.Errorf("result contains control character %U", r)
		}
	}
	if again := Text(got); again != got {
		t.Errorf("Text is not idempotent:\n%q\n%q", got, again)
	}
}

func FuzzSanitizeText(f *testing.F) {
	f.Add("a\x00b \r\n\tc\u00a0\u00a0d\xff e\u0301")
	f.Fuzz(func(t *testing.T, s string) {
		got := Text(s)
		checkText(t, got)
		if again := Text(got); again != got {
			t.Fatalf("not idempotent: %q → %q → %q", s, got, again)
		}
	})
}

// checkText fails t when s breaks the promise Text makes: valid UTF-8,
// no control characters but \n and \t.
func checkText(t *testing.T, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("not valid UTF-8: %q", s)
	}
	for _, r := range s {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7F {
			t.Fatalf("control character %U: %q", r, s)
		}
	}
}
