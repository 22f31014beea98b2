package pdftext

import (
	"strconv"
)

// This file holds a small tokenizer for PDF syntax. ledongthuc/pdf parses
// the file structure, decrypts and inflates streams, but its own content
// tokenizer grows an unbounded operand stack, cannot skip inline images and
// re-reads objects on every lookup, which made extraction 25 times slower
// than pdftotext on the long documents. Page content streams, ToUnicode
// CMaps and the cross-reference sections we check before opening a file are
// all read with this one tokenizer instead, over bytes already in memory.

// pdfTokKind says what a token is.
type pdfTokKind uint8

const (
	pdfTokEOF pdfTokKind = iota
	pdfTokNum
	pdfTokString
	pdfTokName
	pdfTokKeyword // operators, true/false/null, obj, R, stream …
	pdfTokArrayOpen
	pdfTokArrayClose
	pdfTokDictOpen
	pdfTokDictClose
)

// pdfMaxString bounds one string token, so a stream with an unterminated
// "(" cannot build a string as large as the stream in one token.
const pdfMaxString = 1 << 20

// pdfTok is one token. raw aliases the lexer's input for names, keywords and
// numbers; str is the decoded value of a string token.
type pdfTok struct {
	kind pdfTokKind
	raw  []byte
	str  []byte
	num  float64
}

// pdfLexer tokenizes b from pos on.
type pdfLexer struct {
	b   []byte
	pos int
}

func pdfIsSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func pdfIsDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// skipSpace moves past white space and comments.
func (lx *pdfLexer) skipSpace() {
	for lx.pos < len(lx.b) {
		c := lx.b[lx.pos]
		if pdfIsSpace(c) {
			lx.pos++
			continue
		}
		if c == '%' {
			for lx.pos < len(lx.b) && lx.b[lx.pos] != '\n' && lx.b[lx.pos] != '\r' {
				lx.pos++
			}
			continue
		}
		return
	}
}

// next returns the next token; at the end of input it returns pdfTokEOF
// forever. It never fails: malformed input becomes odd tokens, which the
// callers ignore.
func (lx *pdfLexer) next() pdfTok {
	lx.skipSpace()
	// A stray ">" is skipped here, in a loop, rather than by recursion, so
	// a long run of them cannot grow the stack.
	for lx.pos < len(lx.b) && lx.b[lx.pos] == '>' && (lx.pos+1 >= len(lx.b) || lx.b[lx.pos+1] != '>') {
		lx.pos++
		lx.skipSpace()
	}
	if lx.pos >= len(lx.b) {
		return pdfTok{kind: pdfTokEOF}
	}
	c := lx.b[lx.pos]
	switch c {
	case '[':
		lx.pos++
		return pdfTok{kind: pdfTokArrayOpen}
	case ']':
		lx.pos++
		return pdfTok{kind: pdfTokArrayClose}
	case '(':
		lx.pos++
		return pdfTok{kind: pdfTokString, str: lx.literal()}
	case '<':
		if lx.pos+1 < len(lx.b) && lx.b[lx.pos+1] == '<' {
			lx.pos += 2
			return pdfTok{kind: pdfTokDictOpen}
		}
		lx.pos++
		return pdfTok{kind: pdfTokString, str: lx.hex()}
	case '>': // always ">>" here: stray single ones were skipped above
		lx.pos += 2
		return pdfTok{kind: pdfTokDictClose}
	case '/':
		lx.pos++
		return pdfTok{kind: pdfTokName, raw: lx.name()}
	case ')', '{', '}':
		lx.pos++
		return pdfTok{kind: pdfTokKeyword, raw: lx.b[lx.pos-1 : lx.pos]}
	}
	start := lx.pos
	for lx.pos < len(lx.b) && !pdfIsSpace(lx.b[lx.pos]) && !pdfIsDelim(lx.b[lx.pos]) {
		lx.pos++
	}
	raw := lx.b[start:lx.pos]
	if c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9') {
		return pdfTok{kind: pdfTokNum, raw: raw, num: pdfParseNum(raw)}
	}
	return pdfTok{kind: pdfTokKeyword, raw: raw}
}

// pdfParseNum reads a PDF number leniently: producers write "-.5", "5." and
// even "--5"; anything unreadable is 0, as in most viewers.
func pdfParseNum(raw []byte) float64 {
	neg := false
	for len(raw) > 1 && (raw[0] == '-' || raw[0] == '+') {
		neg = neg != (raw[0] == '-')
		raw = raw[1:]
	}
	// Fast path for plain integers, the common case in content streams.
	n, ok := 0.0, len(raw) > 0 && len(raw) < 16
	for _, c := range raw {
		if c < '0' || c > '9' {
			ok = false
			break
		}
		n = n*10 + float64(c-'0')
	}
	if !ok {
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			f = 0
		}
		n = f
	}
	if neg {
		n = -n
	}
	return n
}

// literal reads a "(…)" string after its opening parenthesis.
func (lx *pdfLexer) literal() []byte {
	var out []byte
	depth := 1
	for lx.pos < len(lx.b) {
		c := lx.b[lx.pos]
		lx.pos++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return out
			}
		case '\\':
			if lx.pos >= len(lx.b) {
				return out
			}
			c = lx.b[lx.pos]
			lx.pos++
			switch c {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if lx.pos < len(lx.b) && lx.b[lx.pos] == '\n' {
					lx.pos++
				}
				continue
			case '\n':
				continue
			default:
				if c >= '0' && c <= '7' {
					v := int(c - '0')
					for i := 0; i < 2 && lx.pos < len(lx.b) && lx.b[lx.pos] >= '0' && lx.b[lx.pos] <= '7'; i++ {
						v = v*8 + int(lx.b[lx.pos]-'0')
						lx.pos++
					}
					c = byte(v)
				}
			}
		}
		if len(out) < pdfMaxString {
			out = append(out, c)
		}
	}
	return out
}

// hex reads a "<…>" string after its opening bracket; an odd final digit
// counts as followed by 0, as the specification says.
func (lx *pdfLexer) hex() []byte {
	var out []byte
	var cur byte
	half := false
	for lx.pos < len(lx.b) {
		c := lx.b[lx.pos]
		lx.pos++
		var v byte
		switch {
		case c == '>':
			if half {
				out = append(out, cur<<4)
			}
			return out
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			continue
		}
		if half {
			if len(out) < pdfMaxString {
				out = append(out, cur<<4|v)
			}
		} else {
			cur = v
		}
		half = !half
	}
	return out
}

// name reads a name after its slash, decoding #xx escapes only when there
// are any, so the common case aliases the input.
func (lx *pdfLexer) name() []byte {
	start := lx.pos
	escaped := false
	for lx.pos < len(lx.b) && !pdfIsSpace(lx.b[lx.pos]) && !pdfIsDelim(lx.b[lx.pos]) {
		if lx.b[lx.pos] == '#' {
			escaped = true
		}
		lx.pos++
	}
	raw := lx.b[start:lx.pos]
	if !escaped {
		return raw
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		if raw[i] == '#' && i+2 < len(raw) {
			if v, err := strconv.ParseUint(string(raw[i+1:i+3]), 16, 8); err == nil {
				out = append(out, byte(v))
				i += 2
				continue
			}
		}
		out = append(out, raw[i])
	}
	return out
}

// pdfRef is an indirect reference "num gen R".
type pdfRef struct{ num, gen int }

// pdfName is a decoded name object, kept apart from strings.
type pdfName string

// pdfMaxObjDepth bounds nesting of arrays and dictionaries read by object.
const pdfMaxObjDepth = 32

// object reads one PDF object: float64, string (a string object), pdfName,
// pdfRef, bool, nil, []any or map[pdfName]any. Keywords other than
// true/false/null come back as nil with ok false and are not consumed
// further; the caller decides what they mean.
func (lx *pdfLexer) object(depth int) (v any, ok bool) {
	save := lx.pos
	t := lx.next()
	switch t.kind {
	case pdfTokNum:
		// "num gen R" is a reference; look ahead without committing.
		after := lx.pos
		t2 := lx.next()
		if t2.kind == pdfTokNum {
			t3 := lx.next()
			if t3.kind == pdfTokKeyword && string(t3.raw) == "R" {
				return pdfRef{int(t.num), int(t2.num)}, true
			}
		}
		lx.pos = after
		return t.num, true
	case pdfTokString:
		return string(t.str), true
	case pdfTokName:
		return pdfName(t.raw), true
	case pdfTokArrayOpen:
		var arr []any
		for {
			save := lx.pos
			t := lx.next()
			if t.kind == pdfTokArrayClose || t.kind == pdfTokEOF {
				return arr, true
			}
			lx.pos = save
			if depth >= pdfMaxObjDepth {
				return arr, true
			}
			v, ok := lx.object(depth + 1)
			if !ok {
				lx.next() // skip the keyword that is not a value
				continue
			}
			arr = append(arr, v)
		}
	case pdfTokDictOpen:
		d := map[pdfName]any{}
		for {
			t := lx.next()
			if t.kind == pdfTokDictClose || t.kind == pdfTokEOF {
				return d, true
			}
			if t.kind != pdfTokName || depth >= pdfMaxObjDepth {
				continue
			}
			v, ok := lx.object(depth + 1)
			if ok {
				d[pdfName(t.raw)] = v
			}
		}
	case pdfTokKeyword:
		switch string(t.raw) {
		case "true":
			return true, true
		case "false":
			return false, true
		case "null":
			return nil, true
		}
	}
	lx.pos = save
	return nil, false
}
