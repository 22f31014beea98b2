// Command benchtable reads benchmark logs on standard input and prints the
// TARGET lines in them as one table (internal/benchmark.Table); it exits
// with status 1 when a target was missed or a benchmark failed.
//
// Usage:
//
//	cat .state/log/bench/*.log | go run ./scripts/benchtable
package main

import (
	"fmt"
	"os"

	"github.com/civitas-eu/civitas/internal/benchmark"
)

func main() {
	missed, err := benchmark.Table(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(2)
	}
	if missed > 0 {
		fmt.Fprintf(os.Stderr, "%d targets missed or benchmarks failed\n", missed)
		os.Exit(1)
	}
}
