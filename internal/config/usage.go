package config

import (
	"fmt"
	"strings"
)

// UsageError is a command line that cannot be run as written: an unknown
// flag, a stray argument, an unknown subcommand. The binaries print it
// with the usage and exit with status 2, as the flag package does.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// LoadOption changes how Load reads a command line.
type LoadOption int

// AcceptArgs lets arguments follow the flags (ingest's paths); without
// it Load refuses them, so that a mistyped subcommand or a flag written
// after a stray word is not silently ignored.
const AcceptArgs LoadOption = 1

// otherBinary rewords the flag package's "flag provided but not defined"
// for a setting that belongs to the other binary, so that `ingest
// --listen` says why it is refused instead of only that it is unknown.
func otherBinary(program string, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -")
	if !ok {
		return err
	}
	for _, s := range Settings() {
		if s.Flag == name && s.Only != "" && s.Only != program {
			return fmt.Errorf("--%s (%s) is a setting of %s, not of %s", s.Flag, s.Env, s.Only, program)
		}
	}
	return err
}
