package insight

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkClusterWords clusters a full report's worth of questions
// (maxGapQuestions), 50 subjects with varied wording, as Gaps does after
// reading them.
func BenchmarkClusterWords(b *testing.B) {
	templates := []string{"Wann wird %s abgeholt?", "Wie melde ich %s an?", "Was kostet die %sabholung?", "Wo gibt es Informationen zu %s?"}
	qs := make([]gapQuestion, maxGapQuestions)
	for i := range qs {
		subject := fmt.Sprintf("Thema%c%c", 'a'+i%26, 'a'+(i/26)%2)
		qs[i] = gapQuestion{text: fmt.Sprintf(templates[i%len(templates)], subject), mode: "not_covered", at: time.Now()}
	}
	b.ResetTimer()
	for b.Loop() {
		cs := clusterWords(qs)
		if len(cs) == 0 {
			b.Fatal("no clusters")
		}
	}
}
