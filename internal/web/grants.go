package web

import (
	"context"
	"time"

	"github.com/statusphere/statusphere/internal/store"
)

// msgNotesUnavailable is the line the home page shows to a user whose
// session may write statuses but not notes.
const msgNotesUnavailable = "Notes are unavailable: your server did not grant Statusphere's permission set (org.gostatusphere.authFull), so you can post statuses without notes. Log out and in again to retry."

// CanWriteNotes reports whether the session's grant lets the app write
// note records (the permission set was granted). A session that cannot be
// read counts as no: the write would fail anyway, and the caller decides
// what to say.
func (s *Server) CanWriteNotes(ctx context.Context, ws store.WebSession) bool {
	g, err := s.Auth.Granted(ctx, ws.DID, ws.OAuthSessionID)
	if err != nil {
		s.Log.Info("reading the session's granted scope", "did", ws.DID, "error", err)
		return false
	}
	return g.CanWriteNotes()
}

// notesAllowed is [Server.CanWriteNotes], cached like the session (see
// [userRecheck]) so that a view reads no OAuth session. A grant that
// cannot be read counts as no and is read again by the next view.
func (s *Server) notesAllowed(ctx context.Context, ws store.WebSession, now time.Time) bool {
	k := grantKey{did: ws.DID, sessionID: ws.OAuthSessionID}
	if ok, hit := s.users.notes.get(k, now); hit {
		return ok
	}
	gen := s.users.notes.stamp()
	g, err := s.Auth.Granted(ctx, ws.DID, ws.OAuthSessionID)
	if err != nil {
		s.Log.Info("reading the session's granted scope", "did", ws.DID, "error", err)
		return false
	}
	ok := g.CanWriteNotes()
	s.users.notes.put(k, ok, now, gen)
	return ok
}
