package web

import (
	"encoding/json"
	"net/http"
	"strings"
)

// wantsJSON reports whether the client asked for JSON (app.js and API
// clients) rather than a page (a plain form post).
func wantsJSON(r *http.Request) bool {
	return wantsJSONBody(r) || strings.Contains(r.Header.Get("Accept"), "application/json")
}

// wantsJSONBody reports whether the request body is JSON.
func wantsJSONBody(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Content-Type"), "application/json")
}

// writeJSON writes v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errcheck // the client went away
}

// jsonError writes {"error": msg} with status.
func jsonError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// serverError logs err once, with the request, and answers 500.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	if wantsJSON(r) {
		jsonError(w, http.StatusInternalServerError, "Something went wrong on our side.")
		return
	}
	http.Error(w, "Something went wrong on our side.", http.StatusInternalServerError)
}
