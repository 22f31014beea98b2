package server

import (
	"net/http"

	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/web"
)

// navFor lists the pages the caller can use, for the header. Pages that
// need a group are left out for others.
func (s *Server) navFor(u auth.User) []web.NavItem {
	nav := []web.NavItem{{Key: "chat", Label: "Chat", Href: "/"}}
	if u.InGroup(s.roles.KnowledgeManager) {
		nav = append(nav, web.NavItem{Key: "documents", Label: "Documents", Href: "/documents"})
		nav = append(nav, web.NavItem{Key: "insight", Label: "Feedback and gaps", Href: "/insight"}) // insight.go
	}
	if u.InGroup(s.roles.Auditor) {
		nav = append(nav, web.NavItem{Key: "audit", Label: "Audit trail", Href: "/audit"})
	}
	if u.InGroup(s.roles.Admin) {
		nav = append(nav, web.NavItem{Key: "admin", Label: "Administration", Href: "/admin"})
		nav = append(nav, web.NavItem{Key: "usage", Label: "Usage", Href: "/usage"},
			web.NavItem{Key: "transparency", Label: "Transparency record", Href: "/transparency"}) // insight.go
	}
	nav = append(nav, web.NavItem{Key: "about", Label: "About", Href: "/about"})
	return nav
}

// renderPage writes a page of the browser interface for the caller.
func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, status int, p web.Page) {
	u := user(r)
	p.Nav, p.User = s.navFor(u), u.Name
	if err := s.web.Render(w, status, p); err != nil {
		s.writeError(w, r, err)
	}
}

// chatPage is the chat: conversations, questions, streamed answers.
func (s *Server) chatPage(w http.ResponseWriter, r *http.Request) {
	s.renderPage(w, r, http.StatusOK, web.Page{Name: "chat", Title: "Chat"})
}

// documentsPage is the document management of knowledge managers.
func (s *Server) documentsPage(w http.ResponseWriter, r *http.Request) {
	s.renderGroupPage(w, r, s.roles.KnowledgeManager, web.Page{Name: "documents", Title: "Documents"})
}

// renderGroupPage renders a page for members of group. Others get the
// page with a message saying why they cannot use it (403), so a shared
// link does not end in a bare error.
func (s *Server) renderGroupPage(w http.ResponseWriter, r *http.Request, group string, p web.Page) {
	status := http.StatusOK
	if !user(r).InGroup(group) {
		p.Message = "forbidden"
		status = http.StatusForbidden
		s.logDenied(r, status, errorf(CodeForbidden, "page needs membership of the "+group+" group"))
	}
	s.renderPage(w, r, status, p)
}

// aboutPage is the transparency notice: what the assistant is, which
// models run it, which collections the caller's answers come from.
func (s *Server) aboutPage(w http.ResponseWriter, r *http.Request) {
	s.renderPage(w, r, http.StatusOK, web.Page{Name: "about", Title: "About"})
}

// auditPage lets auditors search, verify and export the audit trail.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	s.renderGroupPage(w, r, s.roles.Auditor, web.Page{Name: "audit", Title: "Audit trail"})
}

// adminPage is the administration: API keys, data-subject requests,
// endpoints and models.
func (s *Server) adminPage(w http.ResponseWriter, r *http.Request) {
	s.renderGroupPage(w, r, s.roles.Admin, web.Page{Name: "admin", Title: "Administration"})
}

// signedOutPage is where the browser lands after signing out. It needs no
// caller: sending it on to the sign-in would sign it straight back in
// while the identity provider's own session lasts.
func (s *Server) signedOutPage(w http.ResponseWriter, r *http.Request) {
	if err := s.web.Render(w, http.StatusOK, web.Page{Name: "signedout", Title: "Signed out"}); err != nil {
		s.writeError(w, r, err)
	}
}
