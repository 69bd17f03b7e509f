package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/bluesky-social/indigo/atproto/auth/oauth"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store"
)

// Store is the part of the database this package uses.
type Store interface {
	SaveOAuthSession(ctx context.Context, did syntax.DID, sessionID string, data []byte) error
	OAuthSession(ctx context.Context, did syntax.DID, sessionID string) ([]byte, error)
	DeleteOAuthSession(ctx context.Context, did syntax.DID, sessionID string) error
	SaveAuthRequest(ctx context.Context, state string, data []byte, createdAt time.Time) error
	AuthRequest(ctx context.Context, state string) ([]byte, error)
	DeleteAuthRequest(ctx context.Context, state string) error
	PruneAuthRequests(ctx context.Context, olderThan time.Time) (int64, error)
}

// ErrSessionNotFound means the OAuth session is gone (logged out or never was).
var ErrSessionNotFound = errors.New("oauth: session not found")

// authStore adapts [Store] to indigo's [oauth.ClientAuthStore]: it keeps
// indigo's session and auth-request structs as JSON, sealed when the
// sealer has a key (see seal.go). A row that no key opens is deleted and
// reads as gone: its user is logged out, and logs in again.
type authStore struct {
	db   Store
	seal *sealer
	log  *slog.Logger
	// signingKID is the ID of the client key that signs new logins (""
	// for the loopback client); it is stored with each new session.
	signingKID string
}

var _ oauth.ClientAuthStore = authStore{}

// storedSession is a session row's JSON: indigo's session data and the ID
// of the client key that began the session (which must sign its refreshes).
type storedSession struct {
	oauth.ClientSessionData
	ClientKeyID string `json:"statusphere_client_kid,omitempty"`
}

func (s authStore) GetSession(ctx context.Context, did syntax.DID, sessionID string) (*oauth.ClientSessionData, error) {
	st, err := s.load(ctx, did, sessionID)
	if err != nil {
		return nil, err
	}
	return &st.ClientSessionData, nil
}

// load reads and opens a session row.
func (s authStore) load(ctx context.Context, did syntax.DID, sessionID string) (*storedSession, error) {
	b, err := s.db.OAuthSession(ctx, did, sessionID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrSessionNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("oauth: load session: %w", err)
	}
	if b, err = s.seal.open(sessionAAD(did.String(), sessionID), b); err != nil {
		s.log.Warn("OAuth session does not open: deleting it, its user must log in again", "did", did, "error", err)
		if err := s.db.DeleteOAuthSession(ctx, did, sessionID); err != nil {
			return nil, fmt.Errorf("oauth: delete unsealable session: %w", err)
		}
		return nil, ErrSessionNotFound
	}
	var st storedSession
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("oauth: decode session: %w", err)
	}
	return &st, nil
}

// SaveSession stores the session; a new one with the signing key's ID, a
// refreshed one with the key ID it was stored with.
func (s authStore) SaveSession(ctx context.Context, sd oauth.ClientSessionData) error {
	st := storedSession{ClientSessionData: sd, ClientKeyID: s.signingKID}
	if s.signingKID != "" {
		if old, err := s.load(ctx, sd.AccountDID, sd.SessionID); err == nil && old.ClientKeyID != "" {
			st.ClientKeyID = old.ClientKeyID
		}
	}
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("oauth: encode session: %w", err)
	}
	return s.db.SaveOAuthSession(ctx, sd.AccountDID, sd.SessionID, s.seal.seal(sessionAAD(sd.AccountDID.String(), sd.SessionID), b))
}

func (s authStore) DeleteSession(ctx context.Context, did syntax.DID, sessionID string) error {
	return s.db.DeleteOAuthSession(ctx, did, sessionID)
}

func (s authStore) GetAuthRequestInfo(ctx context.Context, state string) (*oauth.AuthRequestData, error) {
	b, err := s.db.AuthRequest(ctx, state)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("oauth: unknown or expired login attempt")
	}
	if err != nil {
		return nil, fmt.Errorf("oauth: load auth request: %w", err)
	}
	if b, err = s.seal.open(authRequestAAD(state), b); err != nil {
		s.db.DeleteAuthRequest(ctx, state) //nolint:errcheck // best effort; pruned later anyway
		return nil, fmt.Errorf("oauth: login attempt: %w", err)
	}
	var info oauth.AuthRequestData
	if err := json.Unmarshal(b, &info); err != nil {
		return nil, fmt.Errorf("oauth: decode auth request: %w", err)
	}
	return &info, nil
}

func (s authStore) SaveAuthRequestInfo(ctx context.Context, info oauth.AuthRequestData) error {
	b, err := json.Marshal(info)
	if err != nil {
		return fmt.Errorf("oauth: encode auth request: %w", err)
	}
	return s.db.SaveAuthRequest(ctx, info.State, s.seal.seal(authRequestAAD(info.State), b), time.Now().UTC())
}

func (s authStore) DeleteAuthRequestInfo(ctx context.Context, state string) error {
	return s.db.DeleteAuthRequest(ctx, state)
}
