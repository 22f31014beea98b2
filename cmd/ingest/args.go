package main

import (
	"flag"
	"io"
	"strings"

	"github.com/civitas-eu/civitas/internal/config"
)

// interleave moves the flags in args before the paths, so that
// `ingest /srv/hr --groups personalamt` means what it says: the standard
// flag parser stops at the first path and would take "--groups" for a file
// and store /srv/hr without groups. A flag's value stays with its flag;
// "--" ends the flags, and what follows it are paths even when they start
// with "-". An argument that starts with "-" but names no flag stays among
// the flags, where the parser refuses it before anything is stored.
func interleave(args []string) []string {
	known := flag.NewFlagSet("ingest", flag.ContinueOnError)
	known.SetOutput(io.Discard)
	for _, s := range config.For("ingest") {
		known.String(s.Flag, "", "")
	}
	var f flags
	f.register(known)

	var flagArgs, paths []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			paths = append(paths, args[i+1:]...)
			i = len(args)
		case len(a) < 2 || a[0] != '-':
			paths = append(paths, a) // "-" alone is a path too, as for the flag parser
		default:
			flagArgs = append(flagArgs, a)
			name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
			if fl := known.Lookup(name); fl != nil && !hasValue && !isBoolFlag(fl) && i+1 < len(args) {
				i++
				flagArgs = append(flagArgs, args[i])
			}
		}
	}
	return append(append(flagArgs, "--"), paths...)
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}
