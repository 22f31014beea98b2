package config

import (
	"errors"
	"strconv"
	"time"
)

// ParseConfig bounds the parsing of one document file (internal/extract's
// Sandbox): uploads and cmd/ingest parse each file in a child process, so
// that a hostile file that crashes the parser fails alone.
type ParseConfig struct {
	// Sandbox parses in a child process; false parses in this process
	// (debugging, or a binary that cannot run its own child).
	Sandbox bool
	// MemoryBytes bounds the child's data segment; CPU its processor time.
	MemoryBytes int64
	CPU         time.Duration
	// Timeout is the wall-clock limit after which the child is killed;
	// 0: the extraction time limit plus 30 s.
	Timeout time.Duration
}

// minParseMemory is what a Go child needs to start and parse anything.
const minParseMemory = 64

// parseSettings are the rows of the file parser's limits.
func parseSettings() []Setting {
	return []Setting{
		{Flag: "parse-sandbox", Env: "CIVITAS_PARSE_SANDBOX", Default: "true",
			Usage: "parse each document file in a child process with the --parse-* limits, so that a file crashing the parser fails alone (false: in this process)",
			set:   func(c *Config, v string) (err error) { c.Parse.Sandbox, err = strconv.ParseBool(v); return }},
		{Flag: "parse-memory", Env: "CIVITAS_PARSE_MEMORY", Default: "1024",
			Usage: "memory the parser process of one file may use (data segment, OCR tools each alike), in MiB",
			set: func(c *Config, v string) error {
				n, err := parseMiB(v)
				if err == nil && n < minParseMemory<<20 {
					err = errors.New("want at least " + strconv.Itoa(minParseMemory) + " MiB")
				}
				c.Parse.MemoryBytes = n
				return err
			}},
		{Flag: "parse-cpu", Env: "CIVITAS_PARSE_CPU", Default: "2m",
			Usage: "processor time the parser process of one file may use (OCR tools each alike)",
			set: func(c *Config, v string) error {
				d, err := time.ParseDuration(v)
				if err == nil && d < time.Second {
					err = errors.New("want at least 1s")
				}
				c.Parse.CPU = d
				return err
			}},
		{Flag: "parse-timeout", Env: "CIVITAS_PARSE_TIMEOUT", Default: "0",
			Usage: "wall-clock time after which the parser process of one file is killed with the tools it started; 0: the extraction time limit (2m; cmd/ingest --timeout) plus 30s",
			set: func(c *Config, v string) error {
				d, err := time.ParseDuration(v)
				if err == nil && d != 0 && d < time.Second {
					err = errors.New("want 0 or at least 1s")
				}
				c.Parse.Timeout = d
				return err
			}},
	}
}
