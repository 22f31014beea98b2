package library

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"

	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/extract"
	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/originals"
)

// Incoming is one received file, stored under .incoming until its job
// moves it into place, or rejected (Rejected says why, naming the file).
type Incoming struct {
	Name      string // the file name, cleaned; the name the document gets
	Path      string // where it waits; "" when rejected
	Size      int64
	MediaType string
	Rejected  string
}

// Receive streams one uploaded file to disk, never holding it in memory,
// stopping at the size limit, and checks its type by content with the
// same sniffing as extraction. A file that is too large, empty or of an
// unsupported type comes back Rejected (and is not kept); err is set only
// when the file could not be stored at all (disk full, the request broke
// off). The caller must Discard or Enqueue what it received.
func (s *Service) Receive(name string, r io.Reader) (Incoming, error) {
	in := Incoming{Name: cleanFileName(name)}
	f, err := os.CreateTemp(s.incoming, "upload-*")
	if err != nil {
		return in, fmt.Errorf("library: store upload %s: %w", in.Name, err)
	}
	keep := false
	defer func() {
		f.Close()
		if !keep {
			os.Remove(f.Name())
		}
	}()
	n, err := io.Copy(f, io.LimitReader(r, s.cfg.MaxFileBytes+1))
	if err != nil {
		return in, fmt.Errorf("library: store upload %s: %w", in.Name, err)
	}
	in.Size = n
	switch {
	case n > s.cfg.MaxFileBytes:
		in.Size = 0
		in.Rejected = fmt.Sprintf("%s is larger than the limit of %s", in.Name, formatBytes(s.cfg.MaxFileBytes))
		return in, nil
	case n == 0:
		in.Rejected = in.Name + " is empty (0 bytes)"
		return in, nil
	}
	in.MediaType = sniffFile(f, in.Name, n)
	if in.MediaType == extract.MediaUnknown {
		in.Rejected = fmt.Sprintf("%s: the content is not PDF, DOCX, ODT, HTML, Markdown or plain text, whatever its name says", in.Name)
		return in, nil
	}
	if err := f.Sync(); err != nil {
		return in, fmt.Errorf("library: store upload %s: %w", in.Name, err)
	}
	in.Path, keep = f.Name(), true
	return in, nil
}

// sniffFile recognises a stored file's type from its content. The file is
// mapped rather than read, so that telling DOCX from ODT (which looks at
// the zip directory at the end) costs no heap whatever the size; if
// mapping fails, the first 64 KiB decide.
func sniffFile(f *os.File, name string, size int64) string {
	if data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED); err == nil {
		defer syscall.Munmap(data)
		return extract.Sniff(name, data)
	}
	head := make([]byte, min(size, 64<<10))
	n, _ := f.ReadAt(head, 0)
	return extract.Sniff(name, head[:n])
}

// Discard removes received files that will not be queued.
func (s *Service) Discard(files []Incoming) {
	for _, f := range files {
		if f.Path != "" {
			os.Remove(f.Path)
		}
	}
}

// Upload is where received files go and who sent them.
type Upload struct {
	Collection string
	Groups     []string
	User       string
}

// Enqueue queues one job per received file. A rejected file gets a job
// too, failed at once with its reason, so that the library lists it with
// the others.
func (s *Service) Enqueue(ctx context.Context, u Upload, files []Incoming) ([]JobView, error) {
	if err := ValidateCollection(u.Collection); err != nil {
		return nil, err
	}
	views := make([]JobView, 0, len(files))
	for _, f := range files {
		a := Args{File: f.Name, Collection: u.Collection, Groups: u.Groups, Rejected: f.Rejected, Incoming: f.Path}
		if a.Groups == nil {
			a.Groups = []string{}
		}
		if f.Rejected == "" {
			a.Path = filepath.Join(s.cfg.UploadDir, u.Collection, f.Name)
			ref, err := s.keepOriginal(ctx, f.Path)
			if err != nil {
				return views, fmt.Errorf("library: store %s: %w", f.Name, err)
			}
			a.Original, a.Incoming = ref.Hex(), ""
		}
		opts := jobs.EnqueueOptions{CreatedBy: u.User}
		if f.Rejected != "" {
			opts.MaxAttempts = 1
		}
		j, err := s.queue.Enqueue(ctx, s.cfg.Kind, a, opts)
		if err != nil {
			return views, fmt.Errorf("library: queue %s: %w", f.Name, err)
		}
		views = append(views, jobView(j))
	}
	return views, nil
}

// keepOriginal moves a received file into the originals store, where every
// replica's worker finds it.
func (s *Service) keepOriginal(ctx context.Context, path string) (originals.Ref, error) {
	f, err := os.Open(path)
	if err != nil {
		return originals.Ref{}, err
	}
	defer f.Close()
	ref, err := s.cfg.Originals.Put(ctx, f)
	if err != nil {
		return originals.Ref{}, err
	}
	if err := os.Remove(path); err != nil {
		s.log.Warn("library: cannot remove a stored upload", "path", path, "err", err)
	}
	return ref, nil
}

// ValidateCollection checks a collection name given for an upload. It
// names a folder of the upload directory, so it is kept to letters,
// digits, spaces and ". _ -", not starting with a dot or a space.
func ValidateCollection(name string) error {
	switch {
	case name == "":
		return inputErr("collection", "choose a collection")
	case utf8.RuneCountInString(name) > 100:
		return inputErr("collection", "at most 100 characters")
	case strings.HasPrefix(name, ".") || strings.TrimSpace(name) != name:
		return inputErr("collection", "must not start with a dot or start or end with a space")
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(" ._-", r) {
			return inputErr("collection", "%q: use letters, digits, spaces and . _ - only", name)
		}
	}
	return nil
}

// ParseGroups splits the comma-separated access groups of an upload the
// way every identity source reads groups (auth.ParseGroups): commas
// separate, spaces inside a name are part of it ("IT Abteilung"), ends
// are trimmed, duplicates dropped. A name must be valid UTF-8 without
// control characters, at most 100 bytes. None means the documents are
// visible to everyone.
func ParseGroups(s string) ([]string, error) {
	groups := auth.ParseGroups(s)
	for _, g := range groups {
		if len(g) > 100 || !utf8.ValidString(g) || strings.ContainsFunc(g, unicode.IsControl) {
			return nil, inputErr("groups", "%q is not a group name (no control characters, at most 100 bytes)", g)
		}
	}
	if len(groups) > 50 {
		return nil, inputErr("groups", "at most 50 groups")
	}
	return groups, nil
}

// cleanFileName keeps the base name of what the browser sent, without
// path separators, control characters or a leading dot, at most 200 bytes
// (keeping the extension), so it is safe as a file name of its own.
func cleanFileName(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	name = filepath.Base(name)
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '/' || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ".")
	if len(name) > 200 {
		ext := filepath.Ext(name)
		if len(ext) > 20 {
			ext = ""
		}
		base := name[:200-len(ext)]
		for !utf8.ValidString(base) {
			base = base[:len(base)-1]
		}
		name = base + ext
	}
	if name == "" {
		name = "upload-" + randomHex(4)
	}
	return name
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func formatBytes(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
