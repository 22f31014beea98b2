// Package sources keeps collections in step with the places a city's
// documents live: mounted folders, WebDAV (Nextcloud), S3-compatible
// object stores, websites and council information systems (OParl). A
// source is listed, what is new or changed is ingested, what disappeared
// is pruned, on a schedule, as jobs on the shared queue.
//
// Every kind implements Lister. The sync engine compares the listing with
// what the collection holds from that source, by the entry's change token
// first and by the content hash after reading it, and never prunes after
// a listing that failed.
package sources

import (
	"context"
	"io"
	"time"
)

// Entry is one document a source holds now.
type Entry struct {
	// Key identifies the entry within its source across runs: a path
	// relative to the source's root, an object key, or a URL.
	Key string
	// Name is the file name with its extension, used to pick the
	// extractor (report.pdf, minutes.docx, page.html).
	Name string
	// Token is the source's own change token (ETag, Last-Modified, a
	// modification time or version); "" when the source gives none, in
	// which case the content hash decides.
	Token string
	// Size in bytes, -1 when unknown before reading.
	Size int64
	// Modified is when the source says the entry last changed; zero when
	// unknown.
	Modified time.Time
	// Meta carries what the source knows about the document that the file
	// itself may not say, kept with the document and shown in citations:
	// "title", and for OParl "reference", "date", "body", "paper_url".
	Meta map[string]string
}

// Lister is one kind of source.
type Lister interface {
	// List returns every entry the source holds now. An error means the
	// listing may be incomplete: the caller then removes nothing.
	List(ctx context.Context) ([]Entry, error)
	// Open reads one entry's content. The caller closes it.
	Open(ctx context.Context, e Entry) (io.ReadCloser, error)
}
