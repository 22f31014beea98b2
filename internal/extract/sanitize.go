package extract

import (
	"strings"

	"github.com/civitas-eu/civitas/internal/extract/sanitize"
)

// appendBlock sanitizes text and appends it as a block of the given kind,
// unless nothing is left of it. level is kept only for headings and is
// clamped to 1..6.
func appendBlock(blocks []Block, kind BlockKind, level int, text string) []Block {
	text = sanitize.Text(text)
	if strings.TrimSpace(text) == "" {
		return blocks
	}
	if kind == Heading {
		level = max(1, min(level, 6))
	} else {
		level = 0
	}
	return append(blocks, Block{Kind: kind, Level: level, Text: text})
}

// blocksFromLines makes one block of the given kind per non-empty line.
func blocksFromLines(lines []string, kind BlockKind) []Block {
	var blocks []Block
	for _, l := range lines {
		blocks = appendBlock(blocks, kind, 0, l)
	}
	return blocks
}

// normLanguage turns a declared language tag ("fr-FR", "de_DE", "EN") into
// the ISO 639-1 code Document.Language holds, or "" when the tag does not
// start with two letters.
func normLanguage(tag string) string {
	tag = strings.TrimSpace(tag)
	if len(tag) < 2 {
		return ""
	}
	code := strings.ToLower(tag[:2])
	if code[0] < 'a' || code[0] > 'z' || code[1] < 'a' || code[1] > 'z' {
		return ""
	}
	if len(tag) > 2 && tag[2] != '-' && tag[2] != '_' {
		return "" // a three-letter code or a word, not ISO 639-1
	}
	return code
}

// joinCells makes the text of a table row: cells joined with " | ", empty
// cells at the end dropped (they are layout, not data), "" when the row
// is empty. Leading and inner empty cells stay to keep columns aligned
// with the header row.
func joinCells(cells []string) string {
	end := len(cells)
	for end > 0 && strings.TrimSpace(cells[end-1]) == "" {
		end--
	}
	return strings.Join(cells[:end], " | ")
}
