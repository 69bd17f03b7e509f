package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/store/storetest"
)

// BenchmarkHomePage measures the home page handler, logged out and logged
// in, on a database of 10,000 statuses with known handles. No outbound call
// is made: the profile is cached, as after the first view.
func BenchmarkHomePage(b *testing.B) {
	ctx := context.Background()
	st := storetest.SQLite(b)
	const rows = 10_000
	base := time.Now().UTC().Add(-rows * time.Second)
	if err := st.InTx(ctx, func(tx *store.Tx) error {
		for i := range rows {
			did := syntax.DID(fmt.Sprintf("did:plc:bench%019d", i%500))
			rkey := syntax.NewTIDFromInteger(uint64(i) << 10).String()
			at := base.Add(time.Duration(i) * time.Second)
			if err := tx.UpsertStatus(ctx, store.Status{
				URI: syntax.ATURI("at://" + did.String() + "/xyz.statusphere.status/" + rkey), AuthorDID: did,
				RKey: syntax.RecordKey(rkey), Status: "🦋", CID: "bafy", Record: []byte(`{}`), CreatedAt: at, IndexedAt: at,
			}); err != nil {
				return err
			}
			if i < 500 {
				if err := tx.UpsertIdentity(ctx, store.Identity{DID: did, Handle: fmt.Sprintf("user%d.test", i), VerifiedAt: at}); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	s := newTestServer(b, st)
	user := syntax.DID("did:plc:bench0000000000000000000")
	s.profiles.m[user] = profileEntry{name: "Bench User", at: time.Now().Add(time.Hour)}
	cookie := "benchmark-session-cookie-value-0123456789"
	if err := st.CreateWebSession(ctx, store.WebSession{ID: sessionKey(cookie), DID: user, OAuthSessionID: "x", CreatedAt: time.Now().UTC(), ExpiresAt: time.Now().UTC().Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}

	for _, bc := range []struct {
		name    string
		cookie  string
		uncache bool // a new status before every request: the page is rendered each time
	}{{"logged-out", "", false}, {"logged-out-uncached", "", true}, {"logged-in", cookie, false}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if bc.uncache {
					s.Live.version.Add(1)
				}
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				if bc.cookie != "" {
					req.AddCookie(&http.Cookie{Name: cookieName, Value: bc.cookie})
				}
				w := httptest.NewRecorder()
				s.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("GET / = %d", w.Code)
				}
			}
		})
	}
}
