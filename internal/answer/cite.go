package answer

import (
	"regexp"
	"strconv"
	"strings"
)

// citeRE matches one citation marker. The syntax accepted is:
//
//   - a number in square brackets: [1]; markers side by side, [2][3] or
//     [2] [3], are each a marker;
//   - a list and ranges inside one pair: [1, 3], [1; 3], [1-3], [1–3],
//     [1, 3-4];
//   - the full-width brackets some models write: 【1】 and ［1］;
//   - a footnote caret or a word for "source" before the numbers:
//     [^1], [Source 2], [Quelle: 2], [bron 2], [fuente 2], [lähde 2].
//
// Numbers in parentheses, "(1)", are not citations: administrative text
// is full of them ("Absatz (1)", "§ 3 (2)"), as it is of bare numbers
// ("§ 12"). Anything else inside the brackets ("[1a]", "[see 1]",
// "[12:30]") makes the bracket no marker at all.
var citeRE = regexp.MustCompile(`(?i)[\[［【]\s*\^?\s*` +
	`(?:(?:sources?|quellen?|bronnen|bron|fontes?|fuentes?|lähde|källa|kilde|documents?|dokumente?)\s*:?\s*)?` +
	`(\d{1,6}(?:\s*[-–]\s*\d{1,6})?(?:\s*[,;]\s*\d{1,6}(?:\s*[-–]\s*\d{1,6})?)*)` +
	`\s*[\]］】]`)

// ParseCitations returns the source numbers that the citation markers in
// text refer to, in order of first appearance and without duplicates,
// given that the sources are numbered 1 to n. Only valid numbers survive:
// zero, numbers above n ("[2024]") and malformed markers are dropped, and
// a range counts only when both its ends are valid and in order ([1-3]
// with n = 2 is dropped whole, as "[2019-2024]" would be).
func ParseCitations(text string, n int) []int {
	var out []int
	seen := map[int]bool{}
	add := func(k int) {
		if k >= 1 && k <= n && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, m := range citeRE.FindAllStringSubmatch(text, -1) {
		for item := range strings.FieldsFuncSeq(m[1], func(r rune) bool { return r == ',' || r == ';' }) {
			lo, hi, isRange := strings.Cut(strings.ReplaceAll(item, "–", "-"), "-")
			a, errA := strconv.Atoi(strings.TrimSpace(lo))
			if errA != nil {
				continue
			}
			if !isRange {
				add(a)
				continue
			}
			b, errB := strconv.Atoi(strings.TrimSpace(hi))
			if errB != nil || a < 1 || b > n || a > b {
				continue
			}
			for k := a; k <= b; k++ {
				add(k)
			}
		}
	}
	return out
}

// citations maps the numbers cited in text to the sources they name.
func citations(text string, sources []Source) ([]Citation, []int64) {
	nums := ParseCitations(text, len(sources))
	cites := make([]Citation, 0, len(nums))
	ids := make([]int64, 0, len(nums))
	for _, k := range nums {
		s := sources[k-1]
		cites = append(cites, Citation{
			N: s.N, ChunkID: s.ChunkID, DocumentID: s.DocumentID,
			PageStart: s.PageStart, PageEnd: s.PageEnd, Title: s.Title, Snippet: s.Snippet,
		})
		ids = append(ids, s.ChunkID)
	}
	return cites, ids
}
