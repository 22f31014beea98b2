package answer_test

import (
	"slices"
	"testing"

	"github.com/civitas-eu/civitas/internal/answer"
)

func TestParseCitations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		n    int
		want []int
	}{
		{"single", "The fee is 30 EUR [1].", 3, []int{1}},
		{"adjacent", "It is due in May [2][3].", 3, []int{2, 3}},
		{"adjacent with space", "Due in May [2] [3].", 3, []int{2, 3}},
		{"list", "See [1, 3] and [2;3].", 3, []int{1, 3, 2}},
		{"range", "All of them [1-3].", 3, []int{1, 2, 3}},
		{"en dash range", "All of them [1–2].", 3, []int{1, 2}},
		{"list with range", "[3, 1-2]", 4, []int{3, 1, 2}},
		{"repeated, first appearance order", "A [2]. B [1]. C [2][1][2].", 2, []int{2, 1}},
		{"zero dropped", "Nothing [0].", 3, nil},
		{"out of range dropped", "Source [4] does not exist.", 3, nil},
		{"year in brackets", "In the budget [2024] and [1].", 3, []int{1}},
		{"range out of range dropped whole", "Between [2019-2024] and [2-4].", 3, nil},
		{"reversed range dropped", "[3-1]", 3, nil},
		{"valid numbers of a list survive", "[1, 12, 2]", 3, []int{1, 2}},
		{"paragraph sign is no citation", "Nach § 12 Abs. 3 gilt § 3.", 20, nil},
		{"parentheses are no citation", "Absatz (1) und (2)", 3, nil},
		{"malformed", "[1a] [see 1] [12:30] [1.5] [] [ ] [-1] [1,]", 20, nil},
		{"unclosed", "the fee [1 is due", 3, nil},
		{"full-width brackets", "Die Gebühr【1】und［2］.", 3, []int{1, 2}},
		{"footnote caret", "Due in May[^2].", 3, []int{2}},
		{"source word", "[Source 2] and [Quelle: 1] and [source 3]", 3, []int{2, 1, 3}},
		{"spaces inside", "[ 1 ,  2 ]", 3, []int{1, 2}},
		{"no sources", "[1]", 0, nil},
		{"none", "no markers here", 3, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := answer.ParseCitations(tt.text, tt.n); !slices.Equal(got, tt.want) {
				t.Errorf("ParseCitations(%q, %d) = %v, want %v", tt.text, tt.n, got, tt.want)
			}
		})
	}
}
