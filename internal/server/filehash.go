package server

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"sync"
)

// A document's file is served only while it holds the bytes its version
// was made from (getDocumentFile), which takes hashing the whole file.
// PDF viewers send many Range requests for one document, so the sum of a
// file is kept while the file is unchanged: fileHashes remembers it under
// the file's identity (path, size, modification and change time, device
// and inode). Writing the file, replacing it (a new inode) or touching it
// changes that identity, so a changed file is hashed again and still gets
// 410. The change time cannot be set back by a user (unlike the
// modification time), so a rewrite keeping size and mtime is caught too.

// fileHashLimit bounds the remembered sums: a few thousand bytes each at
// most, and a server opens far fewer distinct files between changes.
const fileHashLimit = 1024

// fileKey identifies one state of a file.
type fileKey struct {
	path         string
	size         int64
	mtime, ctime int64 // nanoseconds
	dev, ino     uint64
}

// fileHashes remembers the SHA-256 of files by fileKey.
type fileHashes struct {
	mu     sync.Mutex
	sums   map[fileKey][]byte
	hashed func() // test hook: called whenever a file is actually hashed
}

func newFileHashes() *fileHashes { return &fileHashes{sums: map[fileKey][]byte{}} }

// matches reports whether f (opened from path, with stat st) has the
// SHA-256 want, hashing it only if its identity is not remembered. f is
// left at its start for serving.
func (c *fileHashes) matches(f *os.File, path string, st os.FileInfo, want []byte) (bool, error) {
	key, ok := identity(path, st)
	if ok {
		c.mu.Lock()
		sum, hit := c.sums[key]
		c.mu.Unlock()
		if hit {
			return bytes.Equal(sum, want), nil
		}
	}
	if c.hashed != nil {
		c.hashed()
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false, fmt.Errorf("hash document file: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return false, fmt.Errorf("rewind document file: %w", err)
	}
	sum := h.Sum(nil)
	if ok {
		c.mu.Lock()
		if len(c.sums) >= fileHashLimit {
			for k := range c.sums { // any one: a dropped sum only costs a hash
				delete(c.sums, k)
				break
			}
		}
		c.sums[key] = sum
		c.mu.Unlock()
	}
	return bytes.Equal(sum, want), nil
}
