package web

import (
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenNow is the fixed clock of the golden pages.
var goldenNow = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// TestHomePageGolden renders the home page, logged out and logged in, on a
// fixed clock and fixed rows, and compares it with testdata/*.golden
// (go test -run TestHomePageGolden -update rewrites them).
func TestHomePageGolden(t *testing.T) {
	for _, c := range []struct {
		name   string
		cookie func(e *testEnv) string
	}{
		{"home_logged_out", func(*testEnv) string { return "" }},
		{"home_logged_in", func(e *testEnv) string { return e.session(t, aliceDID) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.s.now = func() time.Time { return goldenNow }
			e.records.names[aliceDID] = "Alice <Liddell>"
			goldenRows(t, e)
			w := e.do(request(http.MethodGet, "/", "", c.cookie(e)))
			checkResponse(t, w, http.StatusOK)
			path := filepath.Join("testdata", c.name+".golden")
			if *update {
				if err := os.WriteFile(path, w.Body.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got := w.Body.String(); got != string(want) {
				t.Errorf("page differs from %s (run with -update to accept):\n%s", path, got)
			}
		})
	}
}

// goldenRows stores the golden pages' statuses: today's, an older one, and
// one by an author whose handle is unknown.
func goldenRows(t *testing.T, e *testEnv) {
	t.Helper()
	carol := syntax.DID("did:web:carol.example")
	for _, id := range []store.Identity{{DID: aliceDID, Handle: "alice.test"}, {DID: bobDID, Handle: "bob.test"}} {
		id.VerifiedAt = goldenNow
		if err := e.st.UpsertIdentity(t.Context(), id); err != nil {
			t.Fatal(err)
		}
	}
	e.addStatus(t, carol, "3kaaaaaaaaab2", "🧠", goldenNow.Add(-72*time.Hour))
	e.addStatus(t, aliceDID, "3kaaaaaaaaac2", "🦋", goldenNow.Add(-26*time.Hour))
	e.addStatus(t, bobDID, "3kaaaaaaaaad2", "🚀", goldenNow.Add(-time.Hour))
}
