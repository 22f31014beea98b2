package extract

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

// setChildLimits bounds this (child) process: its data segment to memory
// bytes more than it has at start, and its processor time to cpuSeconds.
// What a Go program has at start differs with the binary and the machine
// (reserved heap index, thread stacks: 40 to 150 MB, mostly never
// touched), so the limit is on what the parser adds. At the soft CPU limit
// the kernel sends SIGXCPU, which the Go runtime ignores unless asked: the
// child then says why and exits; the hard limit, a second later, kills it
// should it not get that far.
func setChildLimits(memory, cpuSeconds int64, stderr io.Writer) error {
	mem := uint64(memory) + startData()
	if err := syscall.Setrlimit(syscall.RLIMIT_DATA, &syscall.Rlimit{Cur: mem, Max: mem}); err != nil {
		return fmt.Errorf("memory limit: %w", err)
	}
	cpu := uint64(cpuSeconds)
	if err := syscall.Setrlimit(syscall.RLIMIT_CPU, &syscall.Rlimit{Cur: cpu, Max: cpu + 1}); err != nil {
		return fmt.Errorf("CPU limit: %w", err)
	}
	xcpu := make(chan os.Signal, 1)
	signal.Notify(xcpu, syscall.SIGXCPU)
	go func() {
		<-xcpu
		fmt.Fprintln(stderr, childCPUMessage)
		os.Exit(childExitCPU)
	}()
	return nil
}

// startData is this process's data segment now (VmData), or 0.
func startData() uint64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmData:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// isolate puts the child in a process group of its own, which the
// wall-clock kill takes down whole (OCR tools included), and has the
// kernel kill it should this process die first.
func isolate(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

// killGroup kills what is left of a child's process group.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

// killedBySignal reports whether the child was killed by SIGKILL or
// SIGXCPU, as the kernel does at the hard CPU limit.
func killedBySignal(ps *os.ProcessState) bool {
	if ps == nil {
		return false
	}
	ws, ok := ps.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && (ws.Signal() == syscall.SIGKILL || ws.Signal() == syscall.SIGXCPU)
}
