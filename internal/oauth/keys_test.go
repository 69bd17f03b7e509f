package oauth

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/atcrypto"
	"github.com/bluesky-social/indigo/atproto/auth/oauth"
	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store/storetest"
)

// TestSessionsKeepTheirClientKey: every key is in the JWKS, the first
// signs; a session stores the ID of the key that began it, keeps it when
// refreshed after a rotation, and its refreshes are signed with that key.
func TestSessionsKeepTheirClientKey(t *testing.T) {
	var mb [2]string
	for i := range mb {
		k, err := atcrypto.GeneratePrivateKeyP256()
		if err != nil {
			t.Fatal(err)
		}
		mb[i] = k.Multibase()
	}
	db := storetest.SQLite(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	client := func(keys ...string) *Client {
		c, err := New(Config{PublicURL: "https://status.example.com", PrivateKey: keys[0], OtherPrivateKeys: keys[1:],
			HTTPClient: &http.Client{Timeout: time.Second}, Directory: identity.NewMockDirectory()}, db, quiet)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	oldC := client(mb[0])
	oldKID := oldC.keys.signing
	ctx := context.Background()
	did := syntax.DID("did:plc:alice")
	if err := oldC.auth.SaveSession(ctx, oauth.ClientSessionData{AccountDID: did, SessionID: "s1", AccessToken: "a"}); err != nil {
		t.Fatal(err)
	}

	// Rotate: the new key signs, the old one stays listed.
	c := client(mb[1], mb[0])
	jwks, _ := json.Marshal(c.JWKS())
	var set struct {
		Keys []struct {
			KID string `json:"kid"`
			D   string `json:"d"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(jwks, &set); err != nil || len(set.Keys) != 2 || set.Keys[0].KID != c.keys.signing || set.Keys[1].KID != oldKID || set.Keys[0].D != "" {
		t.Fatalf("JWKS = %s, want the signing key then the old one, public only", jwks)
	}
	if *c.app.Config.KeyID != c.keys.signing || c.keys.signing == oldKID {
		t.Fatalf("signing key %q, want the new one", *c.app.Config.KeyID)
	}
	// A refresh of the old session is signed with the old key, and saving
	// it keeps that key's ID; a new session gets the new key's.
	if got := *c.sessionConfig(ctx, did, "s1").KeyID; got != oldKID {
		t.Errorf("the old session's refreshes are signed with %q, want %q", got, oldKID)
	}
	if err := c.auth.SaveSession(ctx, oauth.ClientSessionData{AccountDID: did, SessionID: "s1", AccessToken: "b"}); err != nil {
		t.Fatal(err)
	}
	if err := c.auth.SaveSession(ctx, oauth.ClientSessionData{AccountDID: did, SessionID: "s2", AccessToken: "c"}); err != nil {
		t.Fatal(err)
	}
	for sid, want := range map[string]string{"s1": oldKID, "s2": c.keys.signing} {
		st, err := c.auth.load(ctx, did, sid)
		if err != nil || st.ClientKeyID != want {
			t.Errorf("session %s: key %q (%v), want %q", sid, st.ClientKeyID, err, want)
		}
	}
	// Without the old key, its session falls back to the signing key.
	if got := *client(mb[1]).sessionConfig(ctx, did, "s1").KeyID; got != c.keys.signing {
		t.Errorf("with the old key gone the session signs with %q", got)
	}
}
