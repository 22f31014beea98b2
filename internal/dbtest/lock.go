package dbtest

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// LockActiveModels serialises, across test processes, the tests that
// switch the active chat or embedding model or depend on which is active.
// That state is one table shared by every test on the database, and
// `go test ./...` runs packages in parallel processes. An advisory lock in
// the database would not do: PGlite serves every connection on one
// session, where advisory locks do not exclude each other. The lock is a
// file lock, released when the test ends (or its process dies).
func LockActiveModels(tb testing.TB) {
	tb.Helper()
	path := filepath.Join(os.TempDir(), "civitas-test-active-models.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		tb.Fatalf("open test lock %s: %v", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		tb.Fatalf("lock %s: %v", path, err)
	}
	tb.Cleanup(func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	})
}
