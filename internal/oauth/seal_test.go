package oauth

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/bluesky-social/indigo/atproto/auth/oauth"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store/storetest"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

// TestSealedSessionRows: with keys, a session row holds no token text,
// opens under its own row key only, opens after a rotation that keeps
// the old key, is resealed with the new key when written again, and reads
// as gone (and is deleted) under a key that does not open it.
func TestSealedSessionRows(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	with := func(keys ...[]byte) authStore {
		s, err := newSealer(keys)
		if err != nil {
			t.Fatal(err)
		}
		return authStore{db: db, seal: s, log: quiet}
	}
	did := syntax.DID("did:plc:alice")
	sd := oauth.ClientSessionData{AccountDID: did, SessionID: "s1", AccessToken: "eyJaccess-token-text", RefreshToken: "refresh-token-text", DPoPPrivateKeyMultibase: "zDPoPkey"}

	a := with(testKey(1))
	if err := a.SaveSession(ctx, sd); err != nil {
		t.Fatal(err)
	}
	raw, err := db.OAuthSession(ctx, did, "s1")
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"eyJ", "access-token-text", "refresh-token-text", "zDPoPkey"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("the stored row contains %q", secret)
		}
	}
	if got, err := a.GetSession(ctx, did, "s1"); err != nil || got.AccessToken != sd.AccessToken {
		t.Fatalf("GetSession = %+v, %v", got, err)
	}
	// The same bytes under another row's key do not open.
	if _, err := a.seal.open(sessionAAD(did.String(), "s2"), raw); !errors.Is(err, errUnsealable) {
		t.Errorf("a row moved to another key opened: %v", err)
	}

	// Rotation: key 2 seals, key 1 still opens; the next write reseals.
	b := with(testKey(2), testKey(1))
	if got, err := b.GetSession(ctx, did, "s1"); err != nil || got.RefreshToken != sd.RefreshToken {
		t.Fatalf("after rotation: GetSession = %+v, %v", got, err)
	}
	if err := b.SaveSession(ctx, sd); err != nil {
		t.Fatal(err)
	}
	if got, err := with(testKey(2)).GetSession(ctx, did, "s1"); err != nil || got.AccessToken != sd.AccessToken {
		t.Fatalf("resealed row under the new key alone: %+v, %v", got, err)
	}

	// A key that does not open the row: logged out, the row deleted.
	if _, err := with(testKey(3)).GetSession(ctx, did, "s1"); !errors.Is(err, ErrSessionNotFound) {
		t.Fatalf("wrong key: GetSession error %v, want ErrSessionNotFound", err)
	}
	if _, err := db.OAuthSession(ctx, did, "s1"); err == nil {
		t.Error("the row that no key opens is still stored")
	}
}

// TestUnsealedRowsStillRead: rows stored before a key was set read as
// before; without a key, rows are plain JSON as they always were.
func TestUnsealedRowsStillRead(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	plain, _ := newSealer(nil)
	sealed, _ := newSealer([][]byte{testKey(1)})
	did := syntax.DID("did:plc:bob")
	sd := oauth.ClientSessionData{AccountDID: did, SessionID: "s", AccessToken: "tok"}
	if err := (authStore{db: db, seal: plain, log: quiet}).SaveSession(ctx, sd); err != nil {
		t.Fatal(err)
	}
	if raw, _ := db.OAuthSession(ctx, did, "s"); !bytes.HasPrefix(raw, []byte("{")) {
		t.Fatalf("without a key the row is %q, want JSON", raw)
	}
	if got, err := (authStore{db: db, seal: sealed, log: quiet}).GetSession(ctx, did, "s"); err != nil || got.AccessToken != "tok" {
		t.Fatalf("an unsealed row under a key: %+v, %v", got, err)
	}
	info := oauth.AuthRequestData{State: "st", DPoPPrivateKeyMultibase: "zSecretKey"}
	s := authStore{db: db, seal: sealed, log: quiet}
	if err := s.SaveAuthRequestInfo(ctx, info); err != nil {
		t.Fatal(err)
	}
	if raw, _ := db.AuthRequest(ctx, "st"); bytes.Contains(raw, []byte("zSecretKey")) {
		t.Error("the login attempt's DPoP key is stored in the clear")
	}
	if got, err := s.GetAuthRequestInfo(ctx, "st"); err != nil || got.DPoPPrivateKeyMultibase != "zSecretKey" {
		t.Fatalf("GetAuthRequestInfo = %+v, %v", got, err)
	}
}
