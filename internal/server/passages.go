package server

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/civitas-eu/civitas/internal/store"
)

// maxPassages bounds the passages one document view returns.
const maxPassages = 5000

// passageView is a passage as the document view shows it: Text is what
// the passage adds to the one before it (chunks of a section overlap by
// a few sentences, which the view shows once), Overlap how long (in
// UTF-16 units, as JavaScript counts) the end of the previous passage's
// Text is that this passage starts with.
type passageView struct {
	store.Passage
	Overlap int `json:"overlap"`
}

// getDocumentPassages returns the extracted text of a document the caller
// may see, passage by passage, so that the chat can show a cited passage
// in its place (marked) for formats a browser cannot show, and find the
// passage's text on its PDF page. ?chunk=ID returns that passage only.
// A document the caller may not see is not found, as for its file.
func (s *Server) getDocumentPassages(w http.ResponseWriter, r *http.Request) {
	d, err := s.visibleDocument(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// An earlier version's record is shown to knowledge managers whatever
	// its own access groups (visibleDocument); its text, like its file,
	// never is. Ingest deletes a superseded version's chunks today; this
	// keeps the route safe should they ever be kept.
	if !d.Current() {
		s.writeError(w, r, errorf(CodeGone, "this is an earlier version of the document; only the current version's text is kept"))
		return
	}
	var only int64
	if c := r.URL.Query().Get("chunk"); c != "" {
		if only, err = strconv.ParseInt(c, 10, 64); err != nil || only <= 0 {
			s.writeError(w, r, errorf(CodeInvalid, "\"chunk\" must be a positive number"))
			return
		}
	}
	ps, err := s.store.DocumentPassages(r.Context(), d.ID, maxPassages)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := passageViews(ps, only)
	if only != 0 && len(out) == 0 {
		s.writeError(w, r, errorf(CodeNotFound, "no such passage in this document"))
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	writeJSON(w, r, http.StatusOK, map[string]any{"document": d, "passages": out})
}

// passageViews are the views of ps in order, or of passage only alone
// (its whole text) when only is not 0.
func passageViews(ps []store.Passage, only int64) []passageView {
	out := make([]passageView, 0, len(ps))
	prev := ""
	for _, p := range ps {
		v := passageView{Passage: p}
		if only == 0 {
			n := overlap(prev, p.Text)
			prev = p.Text
			// The browser cuts it off a text node, counting UTF-16 units.
			v.Overlap = len(utf16.Encode([]rune(p.Text[:n])))
			v.Text = p.Text[n:]
		}
		if only == 0 || p.ID == only {
			out = append(out, v)
		}
	}
	return out
}

// overlap is the length of the longest end of prev that cur starts with,
// cut at a word boundary (the chunker overlaps whole sentences).
func overlap(prev, cur string) int {
	n := min(len(prev), len(cur))
	for l := n; l > 0; l-- {
		if (l == len(cur) || cur[l] == ' ' || cur[l] == '\n') && strings.HasSuffix(prev, cur[:l]) {
			return l
		}
	}
	return 0
}
