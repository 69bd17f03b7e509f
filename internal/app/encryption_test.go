package app_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/testnet"
)

// TestSessionEncryptionAtRest: with a session key, the oauth_session row
// holds no token text (it opens, with that key, to the session's JSON);
// after a rotation that lists the old key the user stays logged in; under
// a key that does not open the row the user is logged out cleanly: the
// write is refused with 401 (no 500), the row is deleted, and the home page
// is the logged-out one.
func TestSessionEncryptionAtRest(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("alice"))
	db := dbFile(t)
	key1, key2, key3 := newSessionKey(t), newSessionKey(t), newSessionKey(t)

	first := startAppWith(t, n, []string{"-database-url", db, "-session-key", key1})
	c := login(t, n, first, n.Account("alice"))
	if code, body := postJSON(t, c, first.URL()+"/status", `{"status":"🔐"}`); code != http.StatusOK {
		t.Fatalf("POST /status = %d %s", code, body)
	}
	ws := webSessionOf(t, first, c)
	raw, err := first.Store.OAuthSession(t.Context(), ws.DID, ws.OAuthSessionID)
	if err != nil {
		t.Fatal(err)
	}
	var sd struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		DPoPKey      string `json:"dpop_privatekey_multibase"`
	}
	plain := openRow(t, key1, raw, "oauth_session\x00"+ws.DID.String()+"\x00"+ws.OAuthSessionID)
	if err := json.Unmarshal(plain, &sd); err != nil || sd.AccessToken == "" || sd.RefreshToken == "" || sd.DPoPKey == "" {
		t.Fatalf("the sealed row opens to %.200s (%v), want the session's tokens and DPoP key", plain, err)
	}
	for _, secret := range []string{"eyJ", sd.AccessToken, sd.RefreshToken, sd.DPoPKey, "access_token"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("the stored oauth_session row contains %.20q…", secret)
		}
	}
	first.stop()

	rotated := startAppWith(t, n, []string{"-database-url", db, "-session-key", key2, "-session-old-keys", key1})
	if code, body := postJSON(t, c, rotated.URL()+"/status", `{"status":"🔁"}`); code != http.StatusOK {
		t.Fatalf("after rotating the key (old one listed): POST /status = %d %s", code, body)
	}
	rotated.stop()

	wrong := startAppWith(t, n, []string{"-database-url", db, "-session-key", key3})
	if code, body := postJSON(t, c, wrong.URL()+"/status", `{"status":"❌"}`); code != http.StatusUnauthorized {
		t.Fatalf("under a key that does not open the session: POST /status = %d %s, want 401", code, body)
	}
	if _, err := wrong.Store.OAuthSession(t.Context(), ws.DID, ws.OAuthSessionID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the session row no key opens is still there: %v", err)
	}
	code, body := get(t, c, wrong.URL()+"/")
	if code != http.StatusOK || !strings.Contains(body, `name="handle"`) || strings.Contains(body, "Log out") {
		t.Fatalf("home after the wrong key = %d, not the logged-out page", code)
	}
}

// newSessionKey is a random 32-byte key, base64, as STATUSPHERE_SESSION_KEY.
func newSessionKey(t *testing.T) string {
	k := make([]byte, 32)
	rand.Read(k) //nolint:errcheck // crypto/rand.Read never fails
	return base64.StdEncoding.EncodeToString(k)
}

// openRow opens a sealed row by its documented layout: "sps1", an 8-byte
// key ID, a 12-byte nonce, then AES-256-GCM with the row's key as
// additional data.
func openRow(t *testing.T, key string, raw []byte, aad string) []byte {
	t.Helper()
	k, err := base64.StdEncoding.DecodeString(key)
	if err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte("sps1")) || len(raw) < 4+8+12 {
		t.Fatalf("the stored row is not sealed: %.40q", raw)
	}
	rest := raw[4+8:]
	plain, err := gcm.Open(nil, rest[:12], rest[12:], []byte(aad))
	if err != nil {
		t.Fatalf("open the sealed row with its key: %v", err)
	}
	return plain
}
