//go:build !unix

package extract

// setNice does nothing where processes have no nice value.
func setNice(pid, nice int) error { return nil }
