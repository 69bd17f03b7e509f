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

// statusClientClosed is the status recorded for a request whose client
// went away before it was answered (nginx's 499): not a server error.
const statusClientClosed = 499

// serverError logs err once, with the request, and answers 500 — unless
// the client has gone (its request's context ended), which is no failure
// of ours: then it logs at Info and records 499.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		s.Log.Info("request abandoned by the client", "method", r.Method, "path", r.URL.Path, "error", err)
		w.WriteHeader(statusClientClosed)
		return
	}
	s.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	if wantsJSON(r) {
		jsonError(w, http.StatusInternalServerError, "Something went wrong on our side.")
		return
	}
	http.Error(w, "Something went wrong on our side.", http.StatusInternalServerError)
}
