package web

import (
	"net/http"
)

// logout serves POST /logout: it revokes the OAuth grant at the
// authorization server and deletes both sessions.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ws, ok, err := s.currentSession(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if ok {
		if err := s.Auth.Logout(ctx, ws.DID, ws.OAuthSessionID); err != nil {
			// The web session ends regardless; the grant may already be gone.
			s.Log.Warn("revoking OAuth session at logout", "did", ws.DID, "error", err)
		}
		if err := s.endSession(ctx, w, ws); err != nil {
			s.serverError(w, r, err)
			return
		}
		s.Log.Info("logged out", "did", ws.DID)
	} else {
		clearCookie(w, s.Secure)
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
