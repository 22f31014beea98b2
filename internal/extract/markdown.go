package extract

import (
	"context"
	"regexp"
	"strings"

	"github.com/civitas-eu/civitas/internal/extract/sanitize"
)

// markdownLoader extracts Markdown. It reads the block structure that
// matters for chunking (headings, paragraphs, list items, tables, code) and
// strips inline markup; it is not a full CommonMark renderer and does not
// need to be: the output is text, not HTML.
type markdownLoader struct{}

func newMarkdownLoader(Options) Loader { return markdownLoader{} }

func (markdownLoader) Load(ctx context.Context, name string, data []byte) (*Document, error) {
	text, _ := decodeText(data)
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	doc := &Document{}
	lines, doc.Title, doc.Language = frontMatter(lines)
	var p mdParser
	doc.Blocks = p.parse(ctx, lines)
	return doc, nil
}

// frontMatter strips a YAML front matter block ("---" … "---") and returns
// its title and language. Only flat "key: value" lines are read — the keys
// Civitas needs — so no YAML parser (and none of its attack surface) is
// involved. German and French key names occur in municipal repositories.
func frontMatter(lines []string) (rest []string, title, lang string) {
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		return lines, "", ""
	}
	for i := 1; i < len(lines) && i < 1000; i++ {
		l := strings.TrimRight(lines[i], " \t")
		if l == "---" || l == "..." {
			return lines[i+1:], sanitize.Text(title), normLanguage(lang)
		}
		key, value, ok := strings.Cut(l, ":")
		if !ok || strings.HasPrefix(key, " ") || strings.HasPrefix(key, "\t") {
			continue
		}
		value = strings.Trim(strings.TrimSpace(value), `"'`)
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "title", "titel", "titre":
			if title == "" {
				title = value
			}
		case "lang", "language", "sprache", "langue":
			if lang == "" {
				lang = value
			}
		}
	}
	return lines, "", "" // no closing line: not front matter after all
}

// atxHeading parses "## Title ##" into level 2 and "Title".
func atxHeading(line string) (level int, text string, ok bool) {
	s := strings.TrimLeft(line, " ")
	if len(line)-len(s) > 3 {
		return 0, "", false
	}
	for level < len(s) && s[level] == '#' {
		level++
	}
	if level == 0 || level > 6 || (level < len(s) && s[level] != ' ' && s[level] != '\t') {
		return 0, "", false
	}
	text = strings.TrimSpace(s[level:])
	// A closing run of #s is decoration, when set off by a space.
	if t := strings.TrimRight(text, "#"); t != text && (t == "" || strings.HasSuffix(t, " ") || strings.HasSuffix(t, "\t")) {
		text = strings.TrimSpace(t)
	}
	return level, text, true
}

var (
	mdOrdered  = regexp.MustCompile(`^\s*(\d{1,9})[.)][ \t]`)
	mdListItem = regexp.MustCompile(`^\s*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?(.*)$`)
	mdFence    = regexp.MustCompile("^ {0,3}(`{3,}|~{3,})")
	mdThematic = regexp.MustCompile(`^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$`)
	mdSetext1  = regexp.MustCompile(`^ {0,3}=+[ \t]*$`)
	mdSetext2  = regexp.MustCompile(`^ {0,3}-+[ \t]*$`)
	mdTableSep = regexp.MustCompile(`^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$`)
)

// mdParser turns Markdown lines into blocks.
type mdParser struct {
	blocks   []Block
	para     []string // lines of the paragraph or list item being read
	paraKind BlockKind
	inTable  bool
}

func (p *mdParser) parse(ctx context.Context, lines []string) []Block {
	var fence string // the opening fence while inside a code block
	var code []string
	inComment := false
	for i := 0; i < len(lines); i++ {
		if i%4096 == 0 && ctx.Err() != nil {
			break // Guard reports the timeout
		}
		line := lines[i]
		if fence != "" {
			if strings.HasPrefix(strings.TrimSpace(line), fence) {
				// Code stays a paragraph with its line breaks: command
				// lines and config snippets are searchable content.
				p.blocks = appendBlock(p.blocks, Paragraph, 0, strings.Join(code, "\n"))
				fence, code = "", code[:0]
			} else {
				code = append(code, line)
			}
			continue
		}
		if inComment {
			inComment = !strings.Contains(line, "-->")
			continue
		}
		line = stripQuoteMarkers(line)
		trimmed := strings.TrimSpace(line)
		if p.inTable && !strings.Contains(trimmed, "|") {
			p.inTable = false
		}
		if level, text, ok := atxHeading(line); ok {
			p.flush()
			p.blocks = appendBlock(p.blocks, Heading, level, stripInline(text))
			continue
		}
		switch {
		case trimmed == "":
			p.flush()
		case strings.HasPrefix(trimmed, "<!--"):
			p.flush()
			inComment = !strings.Contains(trimmed, "-->")
		case mdFence.MatchString(line):
			p.flush()
			m := mdFence.FindStringSubmatch(line)
			fence = m[1]
		case len(p.para) > 0 && p.paraKind == Paragraph && mdSetext1.MatchString(line):
			p.setext(1)
		case len(p.para) > 0 && p.paraKind == Paragraph && mdSetext2.MatchString(line):
			p.setext(2)
		case (p.inTable || strings.Contains(trimmed, "|")) && mdTableSep.MatchString(trimmed) && strings.ContainsAny(trimmed, "|-"):
			// The |---|---| line under a table header carries no text.
			p.inTable = true
		case mdThematic.MatchString(line):
			p.flush()
		case p.inTable || strings.HasPrefix(trimmed, "|") || (strings.Contains(trimmed, "|") && i+1 < len(lines) && mdTableSep.MatchString(lines[i+1]) && strings.Contains(lines[i+1], "-")):
			p.flush()
			p.inTable = true
			p.blocks = appendBlock(p.blocks, TableRow, 0, tableRow(trimmed))
		case mdListItem.MatchString(line) && !p.lazyNumber(line):
			p.flush()
			p.paraKind = ListItem
			p.para = append(p.para, mdListItem.FindStringSubmatch(line)[1])
		default:
			p.para = append(p.para, line)
		}
	}
	if fence != "" {
		p.blocks = appendBlock(p.blocks, Paragraph, 0, strings.Join(code, "\n"))
	}
	p.flush()
	return p.blocks
}

// flush ends the pending paragraph or list item. Soft line breaks join
// with a space; a hard break (two trailing spaces or a backslash) stays.
func (p *mdParser) flush() {
	if len(p.para) > 0 {
		var b strings.Builder
		for i, l := range p.para {
			hard := strings.HasSuffix(l, "  ") || strings.HasSuffix(l, "\\")
			b.WriteString(strings.TrimSuffix(strings.TrimSpace(l), "\\"))
			switch {
			case i == len(p.para)-1:
			case hard:
				b.WriteByte('\n')
			default:
				b.WriteByte(' ')
			}
		}
		p.blocks = appendBlock(p.blocks, p.paraKind, 0, stripInline(b.String()))
	}
	p.para, p.paraKind = p.para[:0], Paragraph
}

// stripQuoteMarkers removes the "> > " that opens a blockquote line, in
// one pass: a line of a million '>' must not cost a million copies.
func stripQuoteMarkers(line string) string {
	for {
		s := strings.TrimLeft(line, " ")
		if len(line)-len(s) > 3 || !strings.HasPrefix(s, ">") {
			return line
		}
		s = s[1:]
		if strings.HasPrefix(s, " ") || strings.HasPrefix(s, "\t") {
			s = s[1:]
		}
		line = s
	}
}

// lazyNumber reports a line like "7. Dezember 2023" inside a paragraph:
// as in CommonMark, only a list starting at 1 may interrupt a paragraph,
// so a wrapped sentence that happens to start with a number stays text.
func (p *mdParser) lazyNumber(line string) bool {
	m := mdOrdered.FindStringSubmatch(line)
	return m != nil && len(p.para) > 0 && p.paraKind == Paragraph && m[1] != "1"
}

// setext turns the pending paragraph into a heading underlined with = or -.
func (p *mdParser) setext(level int) {
	text := strings.Join(p.para, " ")
	p.para = p.para[:0]
	p.blocks = appendBlock(p.blocks, Heading, level, stripInline(text))
}

// tableRow turns "| a | b |" into "a | b", with inline markup stripped.
func tableRow(line string) string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	if !strings.HasSuffix(line, `\|`) {
		line = strings.TrimSuffix(line, "|")
	}
	cells := strings.Split(strings.ReplaceAll(line, `\|`, "\uE07C"), "|")
	for i, c := range cells {
		cells[i] = strings.ReplaceAll(stripInline(strings.TrimSpace(c)), "\uE07C", "|")
	}
	return joinCells(cells)
}

var (
	mdEscape     = regexp.MustCompile("\\\\([!-/:-@\\[-`{-~])")
	mdImage      = regexp.MustCompile(`!\[([^\]]*)\]\([^)]*\)`)
	mdLink       = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	mdRefLink    = regexp.MustCompile(`\[([^\]]+)\]\[[^\]]*\]`)
	mdAutolink   = regexp.MustCompile(`<((?:https?|ftp|mailto):[^>\s]+|[^@>\s]+@[^>\s]+)>`)
	mdHTMLBreak  = regexp.MustCompile(`(?i)<br\s*/?>`)
	mdHTMLTag    = regexp.MustCompile(`</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?/?>`)
	mdCode       = regexp.MustCompile("`+([^`]+)`+")
	mdStrong     = regexp.MustCompile(`\*\*([^*]+)\*\*|__([^_]+)__|~~([^~]+)~~`)
	mdEmStar     = regexp.MustCompile(`\*([^*\s](?:[^*]*[^*\s])?)\*`)
	mdEmUnder    = regexp.MustCompile(`(^|[^\pL\pN_])_([^_\s](?:[^_]*[^_\s])?)_($|[^\pL\pN_])`)
	mdUnescapeRe = regexp.MustCompile("[\uE021-\uE07E]")
)

// mdMarkup are the characters inline Markdown markup is made of.
const mdMarkup = "\\[]()<>*_`~!"

// stripInline removes inline Markdown markup, keeping the words: links and
// images become their text, emphasis and code marks go, and backslash
// escapes become the character they protect (escaped characters are
// parked in the private use area meanwhile so no rule treats them as
// markup).
func stripInline(s string) string {
	if !strings.ContainsAny(s, mdMarkup) {
		return s
	}
	s = mdEscape.ReplaceAllStringFunc(s, func(m string) string { return string(rune(0xE000 + int(m[1]))) })
	// Code spans keep their content verbatim: park its markup characters.
	s = mdCode.ReplaceAllStringFunc(s, func(m string) string {
		return strings.Map(func(r rune) rune {
			if r < 0x80 && strings.ContainsRune(mdMarkup, r) {
				return 0xE000 + r
			}
			return r
		}, strings.Trim(m, "`"))
	})
	s = mdImage.ReplaceAllString(s, "$1")
	s = mdLink.ReplaceAllString(s, "$1")
	s = mdRefLink.ReplaceAllString(s, "$1")
	s = mdAutolink.ReplaceAllString(s, "$1")
	s = mdHTMLBreak.ReplaceAllString(s, " ")
	s = mdHTMLTag.ReplaceAllString(s, "")
	s = mdStrong.ReplaceAllString(s, "$1$2$3")
	s = mdEmStar.ReplaceAllString(s, "$1")
	s = mdEmUnder.ReplaceAllString(s, "$1$2$3")
	return mdUnescapeRe.ReplaceAllStringFunc(s, func(m string) string {
		r := []rune(m)[0]
		return string(rune(r - 0xE000))
	})
}
