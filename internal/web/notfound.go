package web

import (
	"net/http"
)

// notFound serves every path no route claims: a styled 404 page (JSON for
// clients that ask for it).
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if wantsJSON(r) {
		jsonError(w, http.StatusNotFound, "Not found.")
		return
	}
	s.render(w, r, http.StatusNotFound, "notfound", nil)
}

// favicon serves GET /favicon.ico, which browsers ask for whatever the
// page links: the SVG icon.
func (s *Server) favicon(w http.ResponseWriter, r *http.Request) {
	u, err := s.views.assetURL("favicon.svg")
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, u, http.StatusMovedPermanently)
}
