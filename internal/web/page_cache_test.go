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
// a newly published status replaces at once, and that a poll of the store
// replaces when what it shows changed there; a request with a cookie is
// rendered from the same timeline.
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
	first := home("")
	add("3kaaaaaaaaaa2", "🍕")
	if body := home(""); strings.Contains(body, "🍕") || body != first {
		t.Fatal("the cached page was not used")
	}
	if body := home("not-a-real-session-cookie-value"); strings.Contains(body, "🍕") || body != first {
		t.Fatal("a request with a cookie was not rendered from the same timeline")
	}
	// A published status (local write) replaces it at once.
	brain := add("3kaaaaaaaaab2", "🌵")
	if err := s.Live.publish(store.TimelineEntry{Status: brain}); err != nil {
		t.Fatal(err)
	}
	if body := home(""); !strings.Contains(body, "🌵") {
		t.Fatal("a published status did not replace the cached page")
	}
	// Anything else shows after one poll.
	add("3kaaaaaaaaac2", "🎸")
	if err := s.poll(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	if body := home(""); !strings.Contains(body, "🎸") || !strings.Contains(body, "🍕") || !strings.Contains(body, "🌵") {
		t.Fatal("the cached page outlived a poll that saw new rows")
	}
}
