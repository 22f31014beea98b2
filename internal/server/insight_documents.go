package server

import (
	"net/http"

	"github.com/civitas-eu/civitas/internal/insight"
)

type metadataRequest struct {
	Title      *string   `json:"title"`
	Collection *string   `json:"collection"`
	Groups     *[]string `json:"groups"`
}

// updateDocumentMetadata is PATCH /api/library/documents/{id}: a
// document's title, collection and access groups, changed in place on
// its current version without re-embedding, audited. A knowledge manager
// changes only documents they may see, within collections and groups
// they manage (insight.Changer).
func (s *Server) updateDocumentMetadata(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req metadataRequest
	if err := decodeAdmin(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.insight.UpdateMetadata(r.Context(), insight.MetadataChange{DocumentID: id, Title: req.Title,
		Collection: req.Collection, Groups: req.Groups}, insight.Changer{Groups: user(r).Groups})
	if err != nil {
		s.writeError(w, r, insightError(err))
		return
	}
	writeJSON(w, r, http.StatusOK, res)
}
