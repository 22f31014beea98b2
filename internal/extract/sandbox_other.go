//go:build !linux

package extract

import (
	"io"
	"os"
	"os/exec"
)

// Elsewhere than Linux the child runs without resource limits: a crash
// still stays in the child, and the wall-clock kill still applies.

func setChildLimits(memory, cpuSeconds int64, stderr io.Writer) error { return nil }

func isolate(cmd *exec.Cmd) {}

func killGroup(cmd *exec.Cmd) {}

func killedBySignal(ps *os.ProcessState) bool { return false }
