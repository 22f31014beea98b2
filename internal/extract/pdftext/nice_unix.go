//go:build unix

package pdftext

import "syscall"

// setNice sets the scheduling priority (nice value) of process pid.
func setNice(pid, nice int) error {
	return syscall.Setpriority(syscall.PRIO_PROCESS, pid, nice)
}
