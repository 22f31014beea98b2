package config

import (
	"errors"
	"strconv"
)

// InsightConfig holds the settings of what knowledge managers and admins
// see of the assistant's use (internal/insight).
type InsightConfig struct {
	// FeedbackShowNames shows knowledge managers the user names of those
	// who rated answers; false (the default) shows stable pseudonyms.
	FeedbackShowNames bool
	// GapDays is how far back the gaps report looks, in days.
	GapDays int
	// GapSimilarity, above 0, merges unanswered questions that share no
	// word into one gap when the active embedding model finds them this
	// similar (cosine); 0 clusters by words only.
	GapSimilarity float64
}

// insightSettings are the rows of the feedback review and gaps report.
func insightSettings() []Setting {
	return []Setting{
		{Flag: "feedback-show-names", Env: "CIVITAS_FEEDBACK_SHOW_NAMES", Default: "false", Only: "assistant",
			Usage: "show knowledge managers who rated an answer by user name; false: by a stable pseudonym (data minimisation)",
			set: func(c *Config, v string) (err error) {
				c.Insight.FeedbackShowNames, err = strconv.ParseBool(v)
				return err
			}},
		{Flag: "gap-days", Env: "CIVITAS_GAP_DAYS", Default: "30", Only: "assistant",
			Usage: "days of unanswered questions the gaps report of knowledge managers clusters",
			set:   intBetween(1, 3650, "days", func(c *Config) *int { return &c.Insight.GapDays })},
		{Flag: "gap-similarity", Env: "CIVITAS_GAP_SIMILARITY", Default: "0", Only: "assistant",
			Usage: "cosine similarity from which the gaps report also merges questions sharing no word, by the active embedding model's vectors; 0: by words only (use it with a real embedding model: about 0.35 for all-MiniLM-L6-v2)",
			set: func(c *Config, v string) error {
				f, err := strconv.ParseFloat(v, 64)
				if err == nil && (f < 0 || f > 1) {
					err = errors.New("want a number from 0 to 1")
				}
				c.Insight.GapSimilarity = f
				return err
			}},
	}
}
