package backfill

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/collection"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/store/storetest"
)

// TestDiscoverEveryCollection: with two registered collections, discovery
// asks listReposByCollection for each in turn (paging each with its own
// cursor) and backfills the union of the repositories listed.
func TestDiscoverEveryCollection(t *testing.T) {
	byColl := map[string][]string{
		string(collection.StatusNSID):        {"did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb", "did:plc:cccccccccccccccccccccccc"},
		string(collection.LexiconSchemaNSID): {"did:plc:cccccccccccccccccccccccc", "did:plc:dddddddddddddddddddddddd"},
	}
	var (
		mu       sync.Mutex
		requests []string
	)
	relay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		mu.Lock()
		requests = append(requests, q.Get("collection")+" "+q.Get("cursor"))
		mu.Unlock()
		listed := byColl[q.Get("collection")]
		from := 0
		if q.Get("cursor") == "2" {
			from = 2
		}
		to := min(from+2, len(listed))
		out := map[string]any{"repos": []map[string]string{}}
		var repos []map[string]string
		for _, d := range listed[from:to] {
			repos = append(repos, map[string]string{"did": d})
		}
		out["repos"] = repos
		if to < len(listed) {
			out["cursor"] = "2"
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out) //nolint:errcheck // a test server
	}))
	t.Cleanup(relay.Close)

	st := storetest.SQLite(t)
	reg := collection.Default(catalog(t))
	reg.Register(collection.LexiconSchemaNSID, collection.NewLexiconSchema())
	b, err := New(Config{URL: relay.URL, PageSize: 2}, Deps{
		Store: st, Collections: reg, Directory: &identity.MockDirectory{}, HTTPClient: relay.Client(),
	})
	if err != nil {
		t.Fatal(err)
	}
	run := store.BackfillRun{Name: RunName, Host: relay.URL}
	if err := b.discover(t.Context(), &run); err != nil {
		t.Fatal(err)
	}
	lex, note, status := string(collection.LexiconSchemaNSID), string(collection.NoteNSID), string(collection.StatusNSID)
	if want := []string{lex + " ", note + " ", status + " ", status + " 2"}; !slices.Equal(requests, want) {
		t.Errorf("requests %q, want %q", requests, want)
	}
	if !run.Discovered {
		t.Errorf("run %+v is not discovered", run)
	}
	pending, err := st.PendingBackfillRepos(t.Context(), "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []syntax.DID
	for _, p := range pending {
		got = append(got, p.DID)
	}
	want := []syntax.DID{"did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb", "did:plc:cccccccccccccccccccccccc", "did:plc:dddddddddddddddddddddddd"}
	if !slices.Equal(got, want) {
		t.Errorf("pending repositories %v, want %v", got, want)
	}
}

// TestDiscoveryGivesUpOnSilentHost: offline, `statusphere backfill` ends
// after a few unanswered tries with one line that says so, instead of
// backing off for many minutes; a host that answers with errors keeps its
// full retry budget.
func TestDiscoveryGivesUpOnSilentHost(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	silent := closed.URL
	closed.Close() // nothing listens there any more: connections are refused

	var calls int
	var mu sync.Mutex
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		http.Error(w, `{"error":"InternalServerError"}`, http.StatusInternalServerError)
	}))
	t.Cleanup(failing.Close)

	for _, tc := range []struct {
		name, url   string
		wantErr     string
		wantAnswers int // requests the failing host must have seen
	}{
		{"no answer", silent, "does not answer", 0},
		{"answers with errors", failing.URL, "discover repositories on", 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := New(Config{URL: tc.url, RetryMin: time.Millisecond, RetryMax: 5 * time.Millisecond, DiscoveryRetries: 4}, Deps{
				Store: storetest.SQLite(t), Collections: collection.Default(catalog(t)), Directory: &identity.MockDirectory{},
				HTTPClient: &http.Client{Timeout: 5 * time.Second},
			})
			if err != nil {
				t.Fatal(err)
			}
			run := store.BackfillRun{Name: RunName, Host: tc.url}
			err = b.discover(t.Context(), &run)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("discover: %v, want an error saying %q", err, tc.wantErr)
			}
			mu.Lock()
			defer mu.Unlock()
			if tc.wantAnswers > 0 && calls != tc.wantAnswers {
				t.Errorf("the failing host was asked %d times, want %d (the whole retry budget)", calls, tc.wantAnswers)
			}
		})
	}
}
