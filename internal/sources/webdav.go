package sources

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// webdav is a WebDAV collection (Nextcloud, openDesk, any RFC 4918
// server), walked with PROPFIND Depth: 1 (Depth: infinity is often
// disabled); ETag, else Last-Modified and size, is the change token.
type webdav struct {
	base   *url.URL // the collection, ending in "/"
	creds  Credentials
	client *http.Client
}

// maxWebDAVFolders bounds a walk: beyond it a tree is surely a loop.
const maxWebDAVFolders = 10000

func newWebDAV(c Config) (Lister, error) {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("url: a webdav source needs an http(s) URL of a collection")
	}
	u.Path = path.Clean("/"+u.Path) + "/"
	u.Path = strings.Replace(u.Path, "//", "/", 1)
	return &webdav{base: u, creds: c.Creds, client: c.Client}, nil
}

const propfindBody = `<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:getetag/><d:getlastmodified/><d:getcontentlength/></d:prop></d:propfind>`

type multistatus struct {
	Responses []struct {
		Href     string `xml:"href"`
		Propstat []struct {
			Status string `xml:"status"`
			Prop   struct {
				ResourceType struct {
					Collection *struct{} `xml:"collection"`
				} `xml:"resourcetype"`
				ETag         string `xml:"getetag"`
				LastModified string `xml:"getlastmodified"`
				Length       string `xml:"getcontentlength"`
			} `xml:"prop"`
		} `xml:"propstat"`
	} `xml:"response"`
}

func (w *webdav) List(ctx context.Context) ([]Entry, error) {
	var out []Entry
	queue := []string{w.base.Path}
	seen := map[string]bool{w.base.Path: true}
	for len(queue) > 0 {
		if len(seen) > maxWebDAVFolders {
			return nil, fmt.Errorf("more than %d folders: refusing to go on", maxWebDAVFolders)
		}
		dir := queue[0]
		queue = queue[1:]
		ms, err := w.propfind(ctx, dir)
		if err != nil {
			return nil, err
		}
		for _, r := range ms.Responses {
			href, err := url.Parse(r.Href)
			if err != nil {
				return nil, fmt.Errorf("PROPFIND %s: bad href %q", dir, r.Href)
			}
			p := href.Path
			if c := path.Clean(p); c != strings.TrimSuffix(p, "/") && c+"/" != p {
				continue // "..", "." or "//": no server names its own files so; one leading out of the source would
			}
			if p == dir || p+"/" == dir || !strings.HasPrefix(p, w.base.Path) {
				continue // the folder itself, or something outside the source
			}
			for _, ps := range r.Propstat {
				if !strings.Contains(ps.Status, " 200") {
					continue
				}
				if ps.Prop.ResourceType.Collection != nil {
					if !strings.HasSuffix(p, "/") {
						p += "/"
					}
					if !seen[p] {
						seen[p] = true
						queue = append(queue, p)
					}
					continue
				}
				key := strings.TrimPrefix(p, w.base.Path)
				e := Entry{Key: key, Name: path.Base(key), Size: -1, Token: strings.Trim(ps.Prop.ETag, `"`)}
				if n, err := strconv.ParseInt(ps.Prop.Length, 10, 64); err == nil {
					e.Size = n
				}
				if t, err := http.ParseTime(ps.Prop.LastModified); err == nil {
					e.Modified = t.UTC()
				}
				if e.Token == "" && !e.Modified.IsZero() {
					e.Token = e.Modified.Format(time.RFC3339) + "-" + ps.Prop.Length
				}
				out = append(out, e)
			}
		}
	}
	return out, nil
}

func (w *webdav) propfind(ctx context.Context, dir string) (*multistatus, error) {
	u := *w.base
	u.Path = dir
	req, err := http.NewRequestWithContext(ctx, "PROPFIND", u.String(), strings.NewReader(propfindBody))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Depth", "1")
	req.Header.Set("Content-Type", "application/xml; charset=utf-8")
	w.auth(req)
	resp, err := w.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("PROPFIND %s: %w", dir, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusMultiStatus {
		return nil, fmt.Errorf("PROPFIND %s: %s", dir, resp.Status)
	}
	var ms multistatus
	if err := xml.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&ms); err != nil {
		return nil, fmt.Errorf("PROPFIND %s: %w", dir, err)
	}
	return &ms, nil
}

func (w *webdav) auth(req *http.Request) {
	if !w.creds.Empty() {
		req.SetBasicAuth(w.creds.User, w.creds.Secret)
	}
}

func (w *webdav) Open(ctx context.Context, e Entry) (io.ReadCloser, error) {
	u := w.base.JoinPath(e.Key)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	w.auth(req)
	resp, err := w.client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s", e.Key, resp.Status)
	}
	return resp.Body, nil
}
