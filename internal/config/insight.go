package config

import "strconv"

// InsightConfig holds the settings of what knowledge managers and admins
// see of the assistant's use (internal/insight).
type InsightConfig struct {
	// FeedbackShowNames shows knowledge managers the user names of those
	// who rated answers; false (the default) shows stable pseudonyms.
	FeedbackShowNames bool
	// GapDays is how far back the gaps report looks, in days.
	GapDays int
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
	}
}
