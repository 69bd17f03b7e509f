package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/store/storetest"
)

// TestPublicPageCache: the logged-out home page is served from a cache that
// a newly published status replaces at once, and that lasts no longer than
// publicPageTTL otherwise; logged-in views never use it.
func TestPublicPageCache(t *testing.T) {
	s := newTestServer(t, storetest.SQLite(t))
	home := func(cookie string) string {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: cookieName, Value: cookie})
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			t.Fatalf("GET / = %d", w.Code)
		}
		return w.Body.String()
	}
	add := func(rkey, emoji string) store.Status {
		now := time.Now().UTC()
		did := syntax.DID("did:plc:cachetest")
		row := store.Status{
			URI: syntax.ATURI("at://" + did.String() + "/xyz.statusphere.status/" + rkey), AuthorDID: did, RKey: syntax.RecordKey(rkey),
			Status: emoji, CID: "bafy" + rkey, Record: []byte(`{}`), CreatedAt: now, IndexedAt: now,
		}
		if err := s.Store.UpsertStatus(t.Context(), row); err != nil {
			t.Fatal(err)
		}
		return row
	}

	if strings.Contains(home(""), "🍕") {
		t.Fatal("unexpected status")
	}
	add("3kaaaaaaaaaa2", "🍕")
	if strings.Contains(home(""), "🍕") {
		t.Fatal("the cached page was not used")
	}
	if !strings.Contains(home("not-a-real-session-cookie-value"), "🍕") {
		t.Fatal("a request with a cookie was served the cache")
	}
	// A published status (local write or the poller's) replaces it at once.
	brain := add("3kaaaaaaaaab2", "🌵")
	s.Live.publish(newStatusView(brain, "", time.Now()), brain.CID)
	if body := home(""); !strings.Contains(body, "🌵") || !strings.Contains(body, "🍕") {
		t.Fatal("a published status did not replace the cached page")
	}
	// Anything else shows within publicPageTTL.
	add("3kaaaaaaaaac2", "🎸")
	time.Sleep(publicPageTTL + 50*time.Millisecond)
	if !strings.Contains(home(""), "🎸") {
		t.Fatalf("the cached page outlived %s", publicPageTTL)
	}
}
