package pdftext

// Content-stream constructs the text reader collects or steps over as a
// whole (TJ arrays, marked-content dictionaries, inline images): they work
// on the lexer alone and need no page state, unlike the operators in
// pdf_text.go.

// pdfReadArray reads a TJ-style array after its "[" (strings and numbers)
// into arr.
func pdfReadArray(lx *pdfLexer, arr []pdfOperand) []pdfOperand {
	for depth := 1; ; {
		t := lx.next()
		switch t.kind {
		case pdfTokEOF:
			return arr
		case pdfTokArrayOpen:
			depth++
		case pdfTokArrayClose:
			if depth--; depth == 0 {
				return arr
			}
		case pdfTokString, pdfTokNum:
			if len(arr) < 1<<16 {
				arr = append(arr, pdfOperand{kind: t.kind, num: t.num, str: t.str})
			}
		}
	}
}

// pdfSkipDict skips an inline dictionary (marked-content properties).
func pdfSkipDict(lx *pdfLexer) {
	for depth := 1; depth > 0; {
		switch lx.next().kind {
		case pdfTokEOF:
			return
		case pdfTokDictOpen:
			depth++
		case pdfTokDictClose:
			depth--
		}
	}
}

// pdfSkipInlineImage skips "… ID <binary> EI" after BI. The binary data is
// not tokenizable, so we look for EI between white space.
func pdfSkipInlineImage(lx *pdfLexer) {
	for {
		t := lx.next()
		if t.kind == pdfTokEOF {
			return
		}
		if t.kind == pdfTokKeyword && string(t.raw) == "ID" {
			break
		}
	}
	b := lx.b
	for i := lx.pos + 1; i+1 < len(b); i++ {
		if b[i] == 'E' && b[i+1] == 'I' && pdfIsSpace(b[i-1]) && (i+2 == len(b) || pdfIsSpace(b[i+2]) || pdfIsDelim(b[i+2])) {
			lx.pos = i + 2
			return
		}
	}
	lx.pos = len(b)
}
