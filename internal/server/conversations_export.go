package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/civitas-eu/civitas/internal/store"
)

// Export of the caller's own conversations, as Markdown (to read, paste,
// file) or JSON (to process), with each answer's sources. Sources of
// documents the caller may no longer see are redacted exactly as in the
// chat (store.AnswersFor).

// maxExportConversations bounds an "export all".
const maxExportConversations = 1000

// exportedConversation is one conversation in an export.
type exportedConversation struct {
	Conversation store.Conversation `json:"conversation"`
	Answers      []store.Answer     `json:"answers"`
}

// exportSource is what an export shows of a source.
type exportSource struct {
	N           int    `json:"n"`
	Title       string `json:"title"`
	SourceURI   string `json:"source_uri"`
	PageStart   int    `json:"page_start"`
	PageEnd     int    `json:"page_end"`
	Unavailable bool   `json:"unavailable"`
}

// exportFormat is ?format=: "markdown" (default) or "json".
func exportFormat(r *http.Request) (string, error) {
	switch f := r.URL.Query().Get("format"); f {
	case "", "markdown", "md":
		return "markdown", nil
	case "json":
		return "json", nil
	default:
		return "", errorf(CodeInvalid, "\"format\" must be \"markdown\" or \"json\"")
	}
}

func (s *Server) exportConversation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	format, err := exportFormat(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.store.Conversation(r.Context(), id, user(r).Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	one, err := s.exported(r, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeExport(w, r, format, fmt.Sprintf("conversation-%d", c.ID), []exportedConversation{one}, 1)
}

func (s *Server) exportConversations(w http.ResponseWriter, r *http.Request) {
	format, err := exportFormat(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	convs, err := s.store.Conversations(r.Context(), user(r).Name, maxExportConversations)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Told in the file: an export that silently lacks the older
	// conversations would pass for the whole history.
	total, err := s.store.CountConversations(r.Context(), user(r).Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	all := make([]exportedConversation, 0, len(convs))
	for _, c := range convs {
		one, err := s.exported(r, c)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		all = append(all, one)
	}
	s.writeExport(w, r, format, "conversations", all, max(total, len(all)))
}

func (s *Server) exported(r *http.Request, c store.Conversation) (exportedConversation, error) {
	answers, err := s.store.AnswersFor(r.Context(), c.ID, user(r).Groups)
	if answers == nil {
		answers = []store.Answer{}
	}
	return exportedConversation{Conversation: c, Answers: answers}, err
}

// writeExport writes convs, of total conversations the export is of
// (more when "export all" hit maxExportConversations).
func (s *Server) writeExport(w http.ResponseWriter, r *http.Request, format, name string, convs []exportedConversation, total int) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	truncated := total > len(convs)
	h.Set("X-Export-Truncated", strconv.FormatBool(truncated))
	if format == "json" {
		h.Set("Content-Disposition", `attachment; filename="`+name+`.json"`)
		writeJSON(w, r, http.StatusOK, map[string]any{"conversations": convs, "truncated": truncated, "total": total})
		return
	}
	h.Set("Content-Type", "text/markdown; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+`.md"`)
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if truncated {
		_, _ = fmt.Fprintf(w, "> This file holds the newest %d of %d conversations (the most one export holds).\n\n", len(convs), total)
	}
	_, _ = w.Write([]byte(conversationsMarkdown(convs)))
}

// conversationsMarkdown writes conversations as one Markdown document:
// a heading per conversation, one per question, the answer as written
// (it is Markdown already) and its numbered sources.
func conversationsMarkdown(convs []exportedConversation) string {
	var b strings.Builder
	for i, ec := range convs {
		if i > 0 {
			b.WriteString("\n---\n\n")
		}
		title := ec.Conversation.Title
		if strings.TrimSpace(title) == "" {
			title = "Conversation"
		}
		fmt.Fprintf(&b, "# %s\n\n_%s_\n", inert(oneLine(title)), ec.Conversation.CreatedAt.UTC().Format(time.RFC3339))
		for _, a := range ec.Answers {
			fmt.Fprintf(&b, "\n## %s\n\n%s\n", inert(oneLine(a.Question)), inertMarkdown(strings.TrimSpace(a.Answer)))
			var srcs []exportSource
			if json.Unmarshal(a.Sources, &srcs) != nil || len(srcs) == 0 {
				continue
			}
			b.WriteString("\nSources:\n\n")
			for _, src := range srcs {
				if src.Unavailable {
					fmt.Fprintf(&b, "- [%d] (no longer available)\n", src.N)
					continue
				}
				fmt.Fprintf(&b, "- [%d] %s", src.N, inert(oneLine(src.Title)))
				if src.PageStart > 0 {
					if src.PageEnd > src.PageStart {
						fmt.Fprintf(&b, ", pp. %d–%d", src.PageStart, src.PageEnd)
					} else {
						fmt.Fprintf(&b, ", p. %d", src.PageStart)
					}
				}
				if src.SourceURI != "" {
					fmt.Fprintf(&b, " (%s)", inert(oneLine(src.SourceURI)))
				}
				b.WriteString("\n")
			}
		}
	}
	return b.String()
}

// oneLine keeps a title or question on its heading's line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// inertReplacer backslash-escapes what would make a Markdown viewer load
// something or read markup: "![" (an image: a model told by an injected
// prompt to show one leaks the conversation in its URL) and "<" (raw
// HTML, autolinks). The escaped text reads the same once rendered.
var inertReplacer = strings.NewReplacer("![", `!\[`, "<", `\<`)

// inert makes one line of text inert (inertReplacer).
func inert(s string) string {
	return inertReplacer.Replace(s)
}

// inertMarkdown makes an answer inert outside its fenced code blocks,
// where nothing is rendered and an escape would show.
func inertMarkdown(s string) string {
	lines := strings.Split(s, "\n")
	fence := ""
	for i, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case fence != "":
			if strings.HasPrefix(t, fence) && strings.Trim(t, "`~") == "" {
				fence = ""
			}
		case strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~"):
			fence = t[:3]
		default:
			lines[i] = inert(l)
		}
	}
	return strings.Join(lines, "\n")
}
