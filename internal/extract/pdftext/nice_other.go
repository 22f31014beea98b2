//go:build !unix

package pdftext

// setNice does nothing where processes have no nice value.
func setNice(pid, nice int) error { return nil }
