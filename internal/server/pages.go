package server

import (
	"net/http"

	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/web"
)

// navFor lists the pages the caller can use, for the header. Pages that
// need a group are left out for others; a page whose template is not
// there yet is not linked.
func (s *Server) navFor(u auth.User) []web.NavItem {
	nav := []web.NavItem{{Key: "chat", Label: "Chat", Href: "/"}}
	if u.InGroup(auth.GroupKnowledgeManager) {
		nav = append(nav, web.NavItem{Key: "documents", Label: "Documents", Href: "/documents"})
	}
	if s.web.Has("about") {
		nav = append(nav, web.NavItem{Key: "about", Label: "About", Href: "/about"})
	}
	return nav
}

// renderPage writes a page of the browser interface for the caller.
func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, status int, p web.Page) {
	u := user(r)
	p.Nav, p.User, p.Groups = s.navFor(u), u.Name, u.Groups
	if err := s.web.Render(w, status, p); err != nil {
		s.writeError(w, r, err)
	}
}

// chatPage is the chat: conversations, questions, streamed answers.
func (s *Server) chatPage(w http.ResponseWriter, r *http.Request) {
	s.renderPage(w, r, http.StatusOK, web.Page{Name: "chat", Title: "Chat"})
}

// documentsPage is the document management of knowledge managers. Others
// get the page with a message saying why they cannot use it (403), so a
// shared link does not end in a bare error.
func (s *Server) documentsPage(w http.ResponseWriter, r *http.Request) {
	p := web.Page{Name: "documents", Title: "Documents"}
	status := http.StatusOK
	if !user(r).InGroup(auth.GroupKnowledgeManager) {
		p.Message = "forbidden"
		status = http.StatusForbidden
	}
	s.renderPage(w, r, status, p)
}
