package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/bluesky-social/indigo/atproto/auth/oauth"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store"
)

// loginScopes are the scopes the seeded OAuth session was granted: those
// statusphere asks for, with the permission set, so the page offers notes.
var loginScopes = []string{"atproto", "include:org.gostatusphere.authFull", "repo:xyz.statusphere.status"}

// webSession logs did in without a PDS: it stores an OAuth session (the
// unsealed JSON that a server without a session key stores, granted
// loginScopes, with no tokens: nothing here can call the PDS) and a web
// session behind it, valid for ttl, and returns the cookie value. The
// home page reads nothing else to render the logged-in view.
func webSession(ctx context.Context, s *store.Store, did syntax.DID, ttl time.Duration) (string, error) {
	value := randomToken()
	sd := oauth.ClientSessionData{AccountDID: did, SessionID: randomToken(), Scopes: loginScopes}
	data, err := json.Marshal(sd)
	if err != nil {
		return "", fmt.Errorf("encode oauth session: %w", err)
	}
	now := time.Now().UTC()
	sum := sha256.Sum256([]byte(value))
	err = s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SaveOAuthSession(ctx, did, sd.SessionID, data); err != nil {
			return err
		}
		return tx.CreateWebSession(ctx, store.WebSession{
			ID:             hex.EncodeToString(sum[:]),
			DID:            did,
			OAuthSessionID: sd.SessionID,
			CreatedAt:      now,
			ExpiresAt:      now.Add(ttl),
		})
	})
	if err != nil {
		return "", fmt.Errorf("log %s in: %w", did, err)
	}
	return value, nil
}

// randomToken returns 32 random bytes, base64url: the form of the web
// app's cookie values.
func randomToken() string {
	raw := make([]byte, 32)
	rand.Read(raw) //nolint:errcheck // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(raw)
}
