package config

import "strconv"

// jobsSettings are the rows of the background job queue: a server may
// leave its jobs (uploads, re-embedding, retention) to `assistant worker`
// processes, which run in an image that has OCR tools.
func jobsSettings() []Setting {
	return []Setting{
		{Flag: "jobs", Env: "CIVITAS_JOBS", Default: "true", Only: "assistant",
			Usage: "run background jobs (parsing uploads, re-embedding, retention) in this server; false: only queue them, for `assistant worker` processes (the worker image has tesseract and poppler for scanned PDFs)",
			set:   func(c *Config, v string) (err error) { c.RunJobs, err = strconv.ParseBool(v); return }},
	}
}
