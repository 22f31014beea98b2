package sources

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"
)

// oparlObject holds the fields of the OParl objects the walk reads
// (System, Body, Paper, Meeting); each uses the ones it has.
type oparlObject struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Name      string `json:"name"`
	ShortName string `json:"shortName"`
	Web       string `json:"web"`
	Deleted   bool   `json:"deleted"`
	// System.body is the URL of the body list; Paper.body a Body's URL.
	Body    json.RawMessage `json:"body"`
	Paper   string          `json:"paper"`   // Body: URL of its paper list
	Meeting string          `json:"meeting"` // Body: URL of its meeting list

	Reference string `json:"reference"` // Paper
	Date      string `json:"date"`      // Paper
	Start     string `json:"start"`     // Meeting

	// A File is embedded as an object, or referenced by its URL.
	MainFile         json.RawMessage `json:"mainFile"`
	AuxiliaryFile    json.RawMessage `json:"auxiliaryFile"`
	Invitation       json.RawMessage `json:"invitation"`
	ResultsProtocol  json.RawMessage `json:"resultsProtocol"`
	VerbatimProtocol json.RawMessage `json:"verbatimProtocol"`
}

type oparlFile struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	FileName    string `json:"fileName"`
	MimeType    string `json:"mimeType"`
	Size        int64  `json:"size"`
	AccessURL   string `json:"accessUrl"`
	DownloadURL string `json:"downloadUrl"`
	Modified    string `json:"modified"`
	SHA1        string `json:"sha1Checksum"`   // OParl 1.0
	SHA512      string `json:"sha512Checksum"` // OParl 1.1
	Deleted     bool   `json:"deleted"`
}

func (f oparlFile) access() string {
	if f.AccessURL != "" {
		return f.AccessURL
	}
	return f.DownloadURL
}

type oparlList struct {
	Data  []json.RawMessage `json:"data"`
	Links struct {
		Next string `json:"next"`
	} `json:"links"`
}

// kind is the object type's last segment: "https://schema.oparl.org/1.1/Body" → "Body".
func (ob oparlObject) kind() string { return path.Base(ob.Type) }

// oparlWalk is one listing.
type oparlWalk struct {
	o         *OParl
	entries   []Entry
	failures  []Failure
	access    map[string]string
	seen      map[string]bool // file ids
	listPages int
}

func (w *oparlWalk) run(ctx context.Context) error {
	var root oparlObject
	if err := w.o.getJSON(ctx, w.o.cfg.URL, &root); err != nil {
		return err
	}
	var bodies []oparlObject
	switch root.kind() {
	case "System":
		var list string
		if err := json.Unmarshal(root.Body, &list); err != nil || list == "" {
			return fmt.Errorf("%s: the System has no body list URL", w.o.cfg.URL)
		}
		err := w.list(ctx, list, func(b oparlObject) error {
			if w.wanted(b) {
				bodies = append(bodies, b)
			}
			return nil
		})
		if err != nil {
			return err
		}
	case "Body":
		bodies = []oparlObject{root}
	default:
		return fmt.Errorf("%s: type %q is neither an OParl System nor a Body", w.o.cfg.URL, root.Type)
	}
	for _, b := range bodies {
		bodyName := b.ShortName
		if bodyName == "" {
			bodyName = b.Name
		}
		if b.Paper != "" {
			err := w.list(ctx, w.filtered(b.Paper), func(p oparlObject) error {
				meta := map[string]string{"title": p.Name, "reference": p.Reference, "date": p.Date,
					"body": bodyName, "paper_url": firstNonEmpty(p.Web, p.ID)}
				return w.files(ctx, meta, p.MainFile, p.AuxiliaryFile)
			})
			if err != nil {
				return err
			}
		}
		if w.o.cfg.Meetings && b.Meeting != "" {
			err := w.list(ctx, w.filtered(b.Meeting), func(m oparlObject) error {
				date, _, _ := strings.Cut(m.Start, "T")
				meta := map[string]string{"title": m.Name, "date": date, "body": bodyName,
					"meeting_url": firstNonEmpty(m.Web, m.ID)}
				return w.files(ctx, meta, m.Invitation, m.ResultsProtocol, m.VerbatimProtocol, m.AuxiliaryFile)
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *oparlWalk) wanted(b oparlObject) bool {
	return len(w.o.cfg.Bodies) == 0 || slices.ContainsFunc(w.o.cfg.Bodies, func(s string) bool {
		return s == b.ID || strings.EqualFold(s, b.ShortName)
	})
}

// filtered adds the modified_since filter to a list URL.
func (w *oparlWalk) filtered(list string) string {
	if w.o.cfg.ModifiedSince.IsZero() {
		return list
	}
	u, err := url.Parse(list)
	if err != nil {
		return list
	}
	q := u.Query()
	q.Set("modified_since", w.o.cfg.ModifiedSince.Format(time.RFC3339))
	u.RawQuery = q.Encode()
	return u.String()
}

// list reads a paginated OParl list, page by page along links.next, and
// calls fn for each object that is not deleted. Objects given by URL
// instead of embedded are fetched.
func (w *oparlWalk) list(ctx context.Context, first string, fn func(oparlObject) error) error {
	seen := map[string]bool{}
	for next := first; next != ""; {
		if seen[next] {
			return fmt.Errorf("%s: the list's next link leads back to a page already read", next)
		}
		seen[next] = true
		if w.listPages++; w.listPages > w.o.cfg.MaxListPages {
			return fmt.Errorf("more than max_list_pages (%d) list pages", w.o.cfg.MaxListPages)
		}
		var page oparlList
		if err := w.o.getJSON(ctx, next, &page); err != nil {
			return err
		}
		for i, raw := range page.Data {
			var ob oparlObject
			if err := w.o.object(ctx, raw, &ob); err != nil {
				return fmt.Errorf("%s: data[%d]: %w", next, i, err)
			}
			if ob.Deleted {
				continue
			}
			if err := fn(ob); err != nil {
				return err
			}
		}
		next = page.Links.Next
	}
	return nil
}

// files adds the entries of the given File fields (each a File, a URL
// or an array of them) with meta.
func (w *oparlWalk) files(ctx context.Context, meta map[string]string, fields ...json.RawMessage) error {
	for _, field := range fields {
		field = bytes.TrimSpace(field)
		if len(field) == 0 || string(field) == "null" {
			continue
		}
		items := []json.RawMessage{field}
		if field[0] == '[' {
			if err := json.Unmarshal(field, &items); err != nil {
				return fmt.Errorf("a file array: %w", err)
			}
		}
		for _, raw := range items {
			var f oparlFile
			if err := w.o.object(ctx, raw, &f); err != nil {
				// A file given by URL keeps its key (its id); an embedded
				// one that does not decode is reported under its paper.
				var ref string
				_ = json.Unmarshal(raw, &ref)
				key := firstNonEmpty(ref, meta["paper_url"], meta["meeting_url"])
				w.failures = append(w.failures, Failure{Key: key, Reason: err.Error()})
				continue
			}
			w.add(f, meta)
		}
	}
	if len(w.entries) > w.o.cfg.MaxFiles {
		return fmt.Errorf("more than max_files (%d) files", w.o.cfg.MaxFiles)
	}
	return nil
}

func (w *oparlWalk) add(f oparlFile, meta map[string]string) {
	if f.Deleted || f.ID == "" || w.seen[f.ID] {
		return // a file of a paper and of a meeting is listed once, with the paper's reference
	}
	w.seen[f.ID] = true
	if f.access() == "" {
		w.failures = append(w.failures, Failure{Key: f.ID, Reason: "the File has no accessUrl"})
		return
	}
	e := Entry{Key: f.ID, Name: oparlFileName(f), Token: firstNonEmpty(f.Modified, f.SHA512, f.SHA1), Size: f.Size, Meta: map[string]string{}}
	if e.Size <= 0 {
		e.Size = -1
	}
	e.Modified, _ = time.Parse(time.RFC3339, f.Modified)
	for k, v := range meta {
		if v != "" {
			e.Meta[k] = v
		}
	}
	if e.Meta["title"] == "" && f.Name != "" {
		e.Meta["title"] = f.Name
	}
	w.access[f.ID] = f.access()
	w.entries = append(w.entries, e)
}

// oparlFileName is the File's fileName, or its name with the extension of
// its mimeType, so the pipeline picks the right extractor.
func oparlFileName(f oparlFile) string {
	name := firstNonEmpty(f.FileName, f.Name, "file")
	ext := strings.ToLower(path.Ext(name))
	if ext == "" || !docExts[ext] && mime.TypeByExtension(ext) == "" {
		if e := extFor(strings.ToLower(strings.TrimSpace(strings.Split(f.MimeType, ";")[0]))); e != "" {
			ext = e
		}
	}
	return fileName(&url.URL{Path: "/" + strings.ReplaceAll(name, "/", "_")}, ext)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// object decodes an embedded object, or fetches one given by its URL.
func (o *OParl) object(ctx context.Context, raw json.RawMessage, v any) error {
	var ref string
	if json.Unmarshal(raw, &ref) == nil {
		if ref == "" {
			return errors.New("an empty object reference")
		}
		return o.getJSON(ctx, ref, v)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("not an OParl object: %v", err)
	}
	return nil
}

// getJSON fetches and decodes one API response; its errors name the URL.
func (o *OParl) getJSON(ctx context.Context, u string, v any) error {
	if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") {
		return fmt.Errorf("%q is not an http(s) URL", u)
	}
	data, _, err := o.json.getBytes(ctx, u, "application/json")
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: invalid JSON: %v", u, err)
	}
	return nil
}
