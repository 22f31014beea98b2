package ingest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"time"
)

// fileRef is a file found under the roots. Err is set when the file could
// not be visited (unreadable folder, symlink loop, dangling link): the walk
// reports it as that path's failure and goes on.
type fileRef struct {
	Path string // absolute, cleaned; the document's source URI
	File string // where the bytes are read, when not at Path (Options.SourceURI)
	// Root is the folder the file was found in (a root given, or the
	// folder of a file given): the bytes are read inside it, so that a
	// symlink swapped in after the walk cannot lead out of it either.
	Root    string
	Size    int64
	ModTime time.Time
	Err     error
}

// walker lists the files under the roots, following symlinks that stay
// inside the root they were found under but never visiting one real
// folder twice (so a link loop ends), filtered by the include and exclude
// globs. A symlink leading out of its root is refused: a folder of
// documents must not publish whatever else the ingesting user can read.
type walker struct {
	include, exclude []string
	as               string             // Options.SourceURI
	seen             map[[2]uint64]bool // device, inode of visited folders
}

// errOutsideRoot is reported for a symlink that leads out of the folder
// being ingested.
var errOutsideRoot = errors.New("symlink leads outside the folder being ingested; refused (only links within it are followed)")

// errLoop is reported for a symlink that leads back into a folder being
// walked.
var errLoop = errors.New("symlink loop: folder already visited")

// validateGlobs checks the patterns once, so that a typo fails the run up
// front instead of silently matching nothing.
func validateGlobs(flag string, patterns []string) error {
	for _, p := range patterns {
		if _, err := filepath.Match(p, "x"); err != nil {
			return fmt.Errorf("--%s %q: %w", flag, p, err)
		}
	}
	return nil
}

// match applies include (any, if given) and exclude (none) to a path's base
// name and to its full path, so both "*.pdf" and "/srv/docs/archive/*" work.
func (w *walker) match(path string) bool {
	hit := func(patterns []string) bool {
		for _, p := range patterns {
			if ok, _ := filepath.Match(p, filepath.Base(path)); ok {
				return true
			}
			if ok, _ := filepath.Match(p, path); ok {
				return true
			}
		}
		return false
	}
	if len(w.include) > 0 && !hit(w.include) {
		return false
	}
	return !hit(w.exclude)
}

// walk sends every file under roots to out, in a stable order, until ctx
// ends. It closes out when done.
func (w *walker) walk(ctx context.Context, roots []string, out chan<- fileRef) {
	defer close(out)
	if w.as != "" {
		send(ctx, out, w.one(roots[0]))
		return
	}
	w.seen = map[[2]uint64]bool{}
	for _, root := range roots {
		abs, err := filepath.Abs(root)
		if err != nil {
			if !send(ctx, out, fileRef{Path: root, Err: err}) {
				return
			}
			continue
		}
		root := rootOf(abs)
		if !w.visit(ctx, abs, root, realPath(root), out, 0) {
			return
		}
	}
}

// one is the file at path, to be ingested under w.as.
func (w *walker) one(path string) fileRef {
	ref := fileRef{Path: w.as, File: path}
	abs, err := filepath.Abs(path)
	if err != nil {
		ref.Err = err
		return ref
	}
	ref.File, ref.Root = abs, filepath.Dir(abs)
	st, err := os.Stat(abs)
	switch {
	case err == nil && outside(realPath(ref.Root), abs):
		ref.Err = errOutsideRoot
	case err != nil:
		ref.Err = err
	case !st.Mode().IsRegular():
		ref.Err = fmt.Errorf("not a regular file (%s)", st.Mode().Type())
	default:
		ref.Size, ref.ModTime = st.Size(), st.ModTime()
	}
	return ref
}

// file is where the bytes of ref are read.
func (ref fileRef) file() string {
	if ref.File != "" {
		return ref.File
	}
	return ref.Path
}

// read returns the bytes of ref, read inside ref.Root: a symlink put in
// the file's place since the walk is followed only within the root. The
// path is resolved first (os.Root refuses absolute links, which are fine
// when they stay inside) and then opened through a Root, which refuses
// any link swapped in meanwhile that leads out.
func (ref fileRef) read() ([]byte, error) {
	if ref.Root == "" {
		return os.ReadFile(ref.file())
	}
	realRoot := realPath(ref.Root)
	target, err := filepath.EvalSymlinks(ref.file())
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(realRoot, target)
	if err != nil || !filepath.IsLocal(rel) {
		return nil, errOutsideRoot
	}
	root, err := os.OpenRoot(realRoot)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return root.ReadFile(rel)
}

const maxDepth = 64 // beyond this, a tree is surely a loop or an attack

// rootOf is the folder a root given confines its files to: the root
// itself when it is a folder (whether or not through a symlink), else the
// folder of the file.
func rootOf(abs string) string {
	if st, err := os.Stat(abs); err == nil && st.IsDir() {
		return abs
	}
	return filepath.Dir(abs)
}

// realPath is path with every symlink resolved; path itself when it
// cannot be resolved.
func realPath(path string) string {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		return real
	}
	return path
}

// outside reports whether path is a symlink whose target lies outside the
// folder real (a resolved path). A broken link is not outside: the stat
// that follows reports it.
func outside(real, path string) bool {
	lst, err := os.Lstat(path)
	if err != nil || lst.Mode()&fs.ModeSymlink == 0 {
		return false
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(real, target)
	return err != nil || !filepath.IsLocal(rel) && rel != "."
}

// visit handles one path under root (realRoot is root resolved); it
// returns false when ctx ended.
func (w *walker) visit(ctx context.Context, path, root, realRoot string, out chan<- fileRef, depth int) bool {
	if outside(realRoot, path) {
		return send(ctx, out, fileRef{Path: path, Err: errOutsideRoot})
	}
	st, err := os.Stat(path) // follows symlinks, which stay inside root
	if err != nil {
		if lst, lerr := os.Lstat(path); lerr == nil && lst.Mode()&fs.ModeSymlink != 0 {
			err = fmt.Errorf("broken or looping symlink: %w", err)
		}
		return send(ctx, out, fileRef{Path: path, Err: err})
	}
	if !st.IsDir() {
		if !st.Mode().IsRegular() {
			return send(ctx, out, fileRef{Path: path, Err: fmt.Errorf("not a regular file (%s)", st.Mode().Type())})
		}
		if !w.match(path) {
			return true
		}
		return send(ctx, out, fileRef{Path: path, Root: root, Size: st.Size(), ModTime: st.ModTime()})
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		key := [2]uint64{uint64(sys.Dev), uint64(sys.Ino)}
		if w.seen[key] {
			return send(ctx, out, fileRef{Path: path, Err: errLoop})
		}
		w.seen[key] = true
	}
	if depth > maxDepth {
		return send(ctx, out, fileRef{Path: path, Err: fmt.Errorf("folder nesting deeper than %d", maxDepth)})
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return send(ctx, out, fileRef{Path: path, Err: fmt.Errorf("read folder: %w", err)})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		if !w.visit(ctx, filepath.Join(path, e.Name()), root, realRoot, out, depth+1) {
			return false
		}
	}
	return true
}

func send[T any](ctx context.Context, ch chan<- T, v T) bool {
	select {
	case ch <- v:
		return true
	case <-ctx.Done():
		return false
	}
}
