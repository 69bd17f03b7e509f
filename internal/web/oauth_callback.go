package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/statusphere/statusphere/internal/oauth"
	"github.com/statusphere/statusphere/internal/store"
)

// oauthCallback serves GET /oauth/callback: the authorization server sends
// the browser back here after sign-in (or cancellation). Whatever the query
// says, the page shows only messages of ours: the parameters are chosen by
// whoever made the link.
func (s *Server) oauthCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	query := r.URL.Query()
	if err := checkUTF8(query); err != nil {
		s.inputFailed(w, r, err)
		return
	}
	started := ""
	if c, err := r.Cookie(loginCookieName); err == nil {
		started = c.Value
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookieName, Path: "/oauth/callback", MaxAge: -1, HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteLaxMode})
	did, sessionID, err := s.Auth.FinishLogin(ctx, query, started)
	if err != nil {
		s.callbackFailed(w, r, query, err)
		return
	}
	// Replace any earlier web session of this browser.
	if old, ok, err := s.currentSession(r); err == nil && ok {
		s.deleteSession(ctx, old.ID) //nolint:errcheck // it expires anyway
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

// Messages for a callback that failed; nothing from the query reaches the page.
const (
	msgSignInCancelled = "Sign-in was cancelled."
	msgSignInRefused   = "Your sign-in server could not complete the sign-in. Please try again."
	msgSignInFailed    = "Sign-in could not be completed. Please try again."
)

// maxLoggedParam bounds how much of an attacker-chosen parameter is logged.
const maxLoggedParam = 200

// callbackFailed shows one of our own messages for a failed callback and
// logs what the authorization server (or the link) said.
func (s *Server) callbackFailed(w http.ResponseWriter, r *http.Request, query url.Values, err error) {
	msg := msgSignInFailed
	var le *oauth.LoginError
	switch code := query.Get("error"); {
	case code == "access_denied":
		msg = msgSignInCancelled
	case code != "":
		msg = msgSignInRefused
	case errors.As(err, &le):
		// Without an error parameter, package oauth's messages are its own
		// fixed sentences ("started in another browser", …).
		msg = le.Msg
	}
	s.Log.Info("login callback failed", "oauth_error", clip(query.Get("error")),
		"oauth_error_description", clip(query.Get("error_description")), "error", err)
	s.renderHome(w, r, http.StatusBadRequest, homePage{Error: msg})
}

// clip shortens s for a log line.
func clip(s string) string {
	if len(s) > maxLoggedParam {
		return strings.ToValidUTF8(s[:maxLoggedParam], "") + "…"
	}
	return s
}
