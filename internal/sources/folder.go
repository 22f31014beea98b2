package sources

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// folder is a mounted share. Its path must lie under one of the folder
// roots the operator allowed, so that a knowledge manager cannot publish
// whatever the server's user can read; files are read through an os.Root,
// which refuses symlinks leading out of the folder.
type folder struct{ dir string }

func newFolder(c Config) (Lister, error) {
	dir := strings.TrimPrefix(c.URL, "file://")
	if !filepath.IsAbs(dir) {
		return nil, errors.New("url: a folder source needs an absolute path")
	}
	dir = filepath.Clean(dir)
	if len(c.FolderRoots) == 0 {
		return nil, errors.New("kind folder: no folder may be synced until an operator names the allowed roots (--sources-folder-roots, CIVITAS_SOURCES_FOLDER_ROOTS)")
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, fmt.Errorf("url: folder %s cannot be reached", dir)
	}
	for _, r := range c.FolderRoots {
		rr, err := filepath.EvalSymlinks(r)
		if err != nil {
			continue
		}
		if rel, err := filepath.Rel(rr, real); err == nil && (rel == "." || filepath.IsLocal(rel)) {
			return folder{dir: real}, nil
		}
	}
	return nil, fmt.Errorf("url: folder %s is outside the allowed roots (--sources-folder-roots)", dir)
}

func (f folder) List(ctx context.Context) ([]Entry, error) {
	root, err := os.OpenRoot(f.dir)
	if err != nil {
		return nil, fmt.Errorf("open folder: %w", err)
	}
	defer root.Close()
	var out []Entry
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err // an unreadable folder makes the listing incomplete
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if d.IsDir() {
			return nil
		}
		st, err := root.Stat(p) // follows links that stay inside
		if err != nil || !st.Mode().IsRegular() {
			return nil // a link leading out, a socket: not a document
		}
		out = append(out, Entry{Key: p, Name: path.Base(p), Size: st.Size(), Modified: st.ModTime(),
			Token: strconv.FormatInt(st.ModTime().UnixNano(), 10) + "-" + strconv.FormatInt(st.Size(), 10)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list folder: %w", err)
	}
	return out, nil
}

func (f folder) Open(_ context.Context, e Entry) (io.ReadCloser, error) {
	root, err := os.OpenRoot(f.dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return root.Open(e.Key)
}
