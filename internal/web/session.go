package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"strings"
	"time"

	"github.com/statusphere/statusphere/internal/store"
)

// cookieName is the session cookie; its value is a random ID whose SHA-256
// names the web_session row, so the database never holds a usable cookie.
const cookieName = "statusphere_session"

// currentSession returns the request's live web session. A missing, forged,
// unknown or expired cookie is simply "logged out" (ok false); only a
// database failure is an error. Sessions are cached (see [userRecheck]).
func (s *Server) currentSession(r *http.Request) (store.WebSession, bool, error) {
	return s.sessionAt(r, s.now())
}

// sessionAt is currentSession at now.
func (s *Server) sessionAt(r *http.Request, now time.Time) (store.WebSession, bool, error) {
	value, ok := sessionCookieValue(r)
	if !ok || len(value) < 20 || len(value) > 100 {
		return store.WebSession{}, false, nil
	}
	sum := sha256.Sum256([]byte(value))
	now = now.UTC()
	if ws, ok := s.users.sessions.get(sum, now); ok {
		if now.Before(ws.ExpiresAt) {
			return ws, true, nil
		}
		s.users.sessions.forget(sum)
		return store.WebSession{}, false, nil
	}
	gen := s.users.sessions.stamp()
	ws, err := s.Store.WebSession(r.Context(), hex.EncodeToString(sum[:]), now)
	if errors.Is(err, store.ErrNotFound) {
		return store.WebSession{}, false, nil
	}
	if err != nil {
		return store.WebSession{}, false, fmt.Errorf("web: load session: %w", err)
	}
	s.users.sessions.put(sum, ws, now, gen)
	return ws, true, nil
}

// sessionCookieValue returns the value of the session cookie, reading the
// Cookie headers without parsing (and allocating) every cookie as
// [http.Request.Cookie] does. A value that is not a session's (malformed
// or forged) matches no session.
func sessionCookieValue(r *http.Request) (string, bool) {
	for _, line := range r.Header["Cookie"] {
		for part := range strings.SplitSeq(line, ";") {
			name, value, ok := strings.Cut(textproto.TrimString(part), "=")
			if !ok || name != cookieName {
				continue
			}
			if len(value) > 1 && value[0] == '"' && value[len(value)-1] == '"' {
				value = value[1 : len(value)-1]
			}
			return value, true
		}
	}
	return "", false
}

// startSession creates a web session for an OAuth session and sets its cookie.
func (s *Server) startSession(ctx context.Context, w http.ResponseWriter, ws store.WebSession) error {
	raw := make([]byte, 32)
	rand.Read(raw) //nolint:errcheck // crypto/rand.Read never fails
	value := base64.RawURLEncoding.EncodeToString(raw)
	now := time.Now().UTC()
	ws.ID, ws.CreatedAt, ws.ExpiresAt = sessionKey(value), now, now.Add(s.SessionMaxAge)
	if err := s.Store.CreateWebSession(ctx, ws); err != nil {
		return fmt.Errorf("web: create session: %w", err)
	}
	http.SetCookie(w, &http.Cookie{
		Name:     cookieName,
		Value:    value,
		Path:     "/",
		Expires:  ws.ExpiresAt,
		HttpOnly: true,
		Secure:   s.Secure,
		SameSite: http.SameSiteLaxMode,
	})
	return nil
}

// endSession deletes the web session and clears its cookie.
func (s *Server) endSession(ctx context.Context, w http.ResponseWriter, ws store.WebSession) error {
	clearCookie(w, s.Secure)
	return s.deleteSession(ctx, ws.ID)
}

// deleteSession deletes the web session with this ID, and its cached copy.
func (s *Server) deleteSession(ctx context.Context, id string) error {
	var sum [32]byte
	if n, err := hex.Decode(sum[:], []byte(id)); err == nil && n == len(sum) {
		// Before and after the delete: a view that read the row before
		// it was deleted does not cache it (see cacheMap.put).
		s.users.sessions.forget(sum)
		defer s.users.sessions.forget(sum)
	}
	if err := s.Store.DeleteWebSession(ctx, id); err != nil {
		return fmt.Errorf("web: delete session: %w", err)
	}
	return nil
}

func clearCookie(w http.ResponseWriter, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

// sessionKey is the stored form of a cookie value.
func sessionKey(cookie string) string {
	sum := sha256.Sum256([]byte(cookie))
	return hex.EncodeToString(sum[:])
}
