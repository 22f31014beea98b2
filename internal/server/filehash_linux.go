package server

import (
	"os"
	"syscall"
)

// identity is the fileKey of the file at path with stat st; ok is false
// where the system does not tell the inode and change time (never cached).
func identity(path string, st os.FileInfo) (fileKey, bool) {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return fileKey{}, false
	}
	return fileKey{path: path, size: st.Size(), mtime: st.ModTime().UnixNano(), ctime: sys.Ctim.Nano(),
		dev: uint64(sys.Dev), ino: uint64(sys.Ino)}, true //nolint:unconvert // Dev's type differs by architecture
}
