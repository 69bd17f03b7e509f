package web

import (
	"net/http"

	"github.com/statusphere/statusphere/internal/store"
)

// oauthCallback serves GET /oauth/callback: the authorization server sends
// the browser back here after sign-in (or cancellation).
func (s *Server) oauthCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	started := ""
	if c, err := r.Cookie(loginCookieName); err == nil {
		started = c.Value
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookieName, Path: "/oauth/callback", MaxAge: -1, HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteLaxMode})
	did, sessionID, err := s.Auth.FinishLogin(ctx, r.URL.Query(), started)
	if err != nil {
		s.loginFailed(w, r, err, "")
		return
	}
	// Replace any earlier web session of this browser.
	if old, ok, err := s.currentSession(r); err == nil && ok {
		s.Store.DeleteWebSession(ctx, old.ID) //nolint:errcheck // it expires anyway
	}
	if err := s.startSession(ctx, w, store.WebSession{DID: did, OAuthSessionID: sessionID}); err != nil {
		s.serverError(w, r, err)
		return
	}
	// Know the user's handle now, so their first status shows it at once.
	if _, err := s.Identities.Refresh(ctx, did); err != nil {
		s.Log.Info("resolving the new user's identity", "did", did, "error", err)
	}
	s.profiles.forget(did)
	s.Log.Info("logged in", "did", did)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
