package extract

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// File extracts the document at path. It refuses anything but a regular
// file (a directory, a device, a FIFO, a symlink: the caller's walker
// resolves links), checks the size before reading a byte, recognises the
// format by content (see Sniff) and runs the loader behind Guard. Every
// error begins "extract <path>:" and wraps the sentinel that applies
// (ErrTooLarge, ErrUnsupported, ErrEncrypted, …) or the fs error
// (fs.ErrPermission, fs.ErrNotExist) for errors.Is.
func File(ctx context.Context, path string, opts Options) (*Document, error) {
	opts = withDefaults(opts)
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, fsError(path, err)
	}
	if err := checkRegular(fi, opts); err != nil {
		return nil, fmt.Errorf("extract %s: %w", path, err)
	}
	// O_NONBLOCK: should the path have become a FIFO since Lstat, the open
	// returns at once instead of waiting for a writer; Stat below refuses it.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fsError(path, err)
	}
	defer f.Close()
	// Check again on the open file: the path may have been swapped for
	// something else between Lstat and Open.
	if fi, err = f.Stat(); err == nil {
		err = checkRegular(fi, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("extract %s: %w", path, err)
	}
	// Read at most one byte over the limit: a file that grew after the
	// size check is still refused, and never read whole.
	data, err := io.ReadAll(io.LimitReader(f, opts.MaxBytes+1))
	if err != nil {
		return nil, fsError(path, err)
	}
	return Bytes(ctx, path, data, opts)
}

// fsError words a file system error without repeating the path the
// "extract <path>:" prefix already gives, keeping the cause for errors.Is
// (fs.ErrNotExist, fs.ErrPermission).
func fsError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, fs.ErrPermission) {
			return fmt.Errorf("extract %s: %s: cannot read the file (permission denied): %w", path, pe.Op, pe.Err)
		}
		return fmt.Errorf("extract %s: %s: %w", path, pe.Op, pe.Err)
	}
	return fmt.Errorf("extract %s: %w", path, err)
}

// checkRegular refuses non-regular files and files over the size limit.
func checkRegular(fi fs.FileInfo, opts Options) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("not a regular file (%s): %w", fileKind(fi.Mode()), ErrUnsupported)
	}
	if fi.Size() > opts.MaxBytes {
		return fmt.Errorf("%d bytes, limit %d: %w", fi.Size(), opts.MaxBytes, ErrTooLarge)
	}
	return nil
}

// fileKind names a file mode for an error message.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return "a device"
	default:
		return "irregular file " + m.String()
	}
}

// Bytes extracts a document held in memory, such as an upload; name is
// the file name it came with, used for messages and as a hint to Sniff.
// It behaves as File after reading: same limits, same errors. With
// opts.Sandbox the parsing happens in a child process (see Sandbox).
func Bytes(ctx context.Context, name string, data []byte, opts Options) (*Document, error) {
	opts = withDefaults(opts)
	if int64(len(data)) > opts.MaxBytes {
		return nil, fmt.Errorf("extract %s: more than the limit of %d bytes: %w", name, opts.MaxBytes, ErrTooLarge)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("extract %s: empty file (0 bytes): %w", name, ErrCorrupt)
	}
	if opts.Sandbox != nil {
		return opts.Sandbox.extract(ctx, name, data, opts)
	}
	media := Sniff(name, data)
	l, err := loaderFor(media, opts)
	if err != nil {
		hint := ""
		if ext := strings.ToLower(filepath.Ext(name)); ext != "" {
			hint = ", whatever its " + ext + " name says"
		}
		return nil, fmt.Errorf("extract %s: content is not PDF, DOCX, ODT, HTML, Markdown or text%s: %w", name, hint, err)
	}
	doc, err := Guard(ctx, name, opts, l, data)
	if err != nil {
		return nil, err // Guard's errors already name the file
	}
	doc.MediaType = media
	return doc, nil
}

// loaderFor returns the loader for a media type from Sniff, or an error
// wrapping ErrUnsupported.
func loaderFor(mediaType string, opts Options) (Loader, error) {
	switch mediaType {
	case MediaPDF:
		return newPDFLoader(opts), nil
	case MediaDOCX:
		return newDOCXLoader(opts), nil
	case MediaODT:
		return newODTLoader(opts), nil
	case MediaHTML:
		return newHTMLLoader(opts), nil
	case MediaMarkdown:
		return newMarkdownLoader(opts), nil
	case MediaText:
		return newTextLoader(opts), nil
	}
	return nil, fmt.Errorf("media type %s: %w", mediaType, ErrUnsupported)
}
