package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// Parsers of setting values: each validates one raw string and stores it
// into the Config, with an error that Load prefixes with the setting's name.

// parseMiB reads a size in MiB, between 1 MiB and 1 TiB.
func parseMiB(v string) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, err
	}
	if n < 1 || n > 1<<20 {
		return 0, errors.New("want between 1 and 1048576 MiB")
	}
	return n << 20, nil
}

// SplitList splits a comma-separated list, trimming spaces around each
// entry and dropping empty ones; nil when none is left.
func SplitList(v string) []string {
	var out []string
	for p := range strings.SplitSeq(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// intBetween returns the parser of an integer setting between lo and hi
// inclusive, stored in the field that field picks; unit, when given, ends
// the error message ("days").
func intBetween(lo, hi int, unit string, field func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return err
		}
		if n < lo || n > hi {
			return errors.New(strings.TrimSpace(fmt.Sprintf("want between %d and %d %s", lo, hi, unit)))
		}
		*field(c) = n
		return nil
	}
}

func setOllamaURL(c *Config, v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("must start with http:// or https://")
	}
	if u.Host == "" {
		return errors.New("must name a host")
	}
	c.OllamaURL = u
	return nil
}

func setListen(c *Config, v string) error {
	if _, _, err := net.SplitHostPort(v); err != nil {
		return fmt.Errorf("want host:port: %w", err)
	}
	c.Listen = v
	return nil
}

func setPromptsDir(c *Config, v string) error {
	if v != "" {
		st, err := os.Stat(v)
		if err != nil {
			return err
		}
		if !st.IsDir() {
			return errors.New("not a directory")
		}
	}
	c.PromptsDir = v
	return nil
}

func setLogLevel(c *Config, v string) error {
	return c.LogLevel.UnmarshalText([]byte(v))
}

func setLogFormat(c *Config, v string) error {
	if v != "text" && v != "json" {
		return errors.New("want text or json")
	}
	c.LogFormat = v
	return nil
}
