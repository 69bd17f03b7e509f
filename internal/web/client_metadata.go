package web

import (
	"net/http"
)

// clientMetadata serves the OAuth client metadata document (the client_id
// URL of the confidential client).
func (s *Server) clientMetadata(w http.ResponseWriter, r *http.Request) {
	if !s.Auth.IsConfidential() {
		http.NotFound(w, r)
		return
	}
	writeJSON(w, http.StatusOK, s.Auth.Metadata())
}

// jwks serves the confidential client's public keys.
func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	if !s.Auth.IsConfidential() {
		http.NotFound(w, r)
		return
	}
	writeJSON(w, http.StatusOK, s.Auth.JWKS())
}
