package web

import (
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/pgtest"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/store/storetest"
)

// homeView is what a GET / shows: the timeline's AT-URIs, the selected
// status option, and whether the visitor is logged in.
type homeView struct {
	uris     []string
	selected string
	loggedIn bool
}

var (
	dataURIRe  = regexp.MustCompile(`<div class="status-line" data-uri="([^"]*)">`)
	selectedRe = regexp.MustCompile(`value="([^"]*)" class="status-option selected"`)
)

// view serves GET / with cookie (none when empty) and reads the page.
func (e *testEnv) view(t *testing.T, cookie string) homeView {
	t.Helper()
	w := e.do(request(http.MethodGet, "/", "", cookie))
	checkResponse(t, w, http.StatusOK)
	body := w.Body.String()
	v := homeView{loggedIn: strings.Contains(body, "Log out")}
	for _, m := range dataURIRe.FindAllStringSubmatch(body, -1) {
		v.uris = append(v.uris, m[1])
	}
	if m := selectedRe.FindStringSubmatch(body); m != nil {
		v.selected = m[1]
	}
	return v
}

func (v homeView) shows(uri syntax.ATURI) bool {
	for _, u := range v.uris {
		if u == uri.String() {
			return true
		}
	}
	return false
}

// TestPostShowsAtOnce: a status posted through this server is in the
// timeline of the next view, logged in and out, and selected as the
// poster's own, without a poll.
func TestPostShowsAtOnce(t *testing.T) {
	e := newTestEnv(t)
	older := e.addStatus(t, aliceDID, "3kaaaaaaaaaa2", "🦋", time.Now().UTC().Add(-time.Minute))
	cookie := e.session(t, aliceDID)
	if v := e.view(t, cookie); !v.shows(older.URI) || v.selected != "🦋" {
		t.Fatalf("before the post: %+v", v)
	}
	e.view(t, "") // the logged-out page is cached now
	checkResponse(t, e.do(request(http.MethodPost, "/status", `{"status":"🚀"}`, cookie)), http.StatusOK)
	writes := e.records.writes()
	if len(writes) != 1 {
		t.Fatalf("%d writes", len(writes))
	}
	posted := syntax.ATURI("at://" + aliceDID.String() + "/xyz.statusphere.status/" + writes[0].rkey.String())
	for _, cookie := range []string{cookie, ""} {
		v := e.view(t, cookie)
		if len(v.uris) != 2 || v.uris[0] != posted.String() {
			t.Errorf("after the post, the timeline is %q, want %s first", v.uris, posted)
		}
		if cookie != "" && v.selected != "🚀" {
			t.Errorf("after the post, %q is selected, want 🚀", v.selected)
		}
	}
}

// TestDeleteAndHiddenAccountDisappear: a status the ingester deletes, and
// every status of an account it hides, leave the timeline at the next poll;
// the author's own selected status follows the delete.
func TestDeleteAndHiddenAccountDisappear(t *testing.T) {
	e := newTestEnv(t)
	now := time.Now().UTC()
	first := e.addStatus(t, aliceDID, "3kaaaaaaaaaa2", "🦋", now.Add(-2*time.Minute))
	second := e.addStatus(t, aliceDID, "3kaaaaaaaaab2", "🚀", now.Add(-time.Minute))
	bobs := e.addStatus(t, bobDID, "3kaaaaaaaaac2", "🧠", now)
	cookie := e.session(t, aliceDID)
	if v := e.view(t, cookie); len(v.uris) != 3 || v.selected != "🚀" {
		t.Fatalf("before: %+v", v)
	}
	e.view(t, "")
	events, cancel := e.s.Live.subscribe()
	defer cancel()

	if err := e.st.DeleteStatus(t.Context(), second.URI); err != nil {
		t.Fatal(err)
	}
	if err := e.st.SetAccountStatus(t.Context(), bobDID, false, "takendown"); err != nil {
		t.Fatal(err)
	}
	if err := e.s.poll(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	for _, cookie := range []string{cookie, ""} {
		v := e.view(t, cookie)
		if v.shows(second.URI) || v.shows(bobs.URI) || !v.shows(first.URI) {
			t.Errorf("after the delete and the takedown, the timeline is %q, want only %s", v.uris, first.URI)
		}
		if cookie != "" && v.selected != "🦋" {
			t.Errorf("after the delete, %q is selected, want 🦋", v.selected)
		}
	}
	// Watchers of /events are told to take both lines out.
	var deleted []string
	for len(events) > 0 {
		if ev := <-events; ev.name == "delete" {
			deleted = append(deleted, ev.uri)
		}
	}
	slices.Sort(deleted)
	if want := []string{second.URI.String(), bobs.URI.String()}; !slices.Equal(deleted, want) {
		t.Errorf("delete events for %q, want %q", deleted, want)
	}
}

// TestLogoutEndsCachedSession: a session used by a view (and so cached)
// ends at logout and at its expiry, on the next view.
func TestLogoutEndsCachedSession(t *testing.T) {
	t.Run("logout", func(t *testing.T) {
		e := newTestEnv(t)
		cookie := e.session(t, aliceDID)
		if !e.view(t, cookie).loggedIn {
			t.Fatal("not logged in")
		}
		checkResponse(t, e.do(request(http.MethodPost, "/logout", "x=1", cookie)), http.StatusSeeOther)
		if e.view(t, cookie).loggedIn {
			t.Error("the cached session outlived logout")
		}
	})
	t.Run("expiry", func(t *testing.T) {
		e := newTestEnv(t)
		now := time.Now().UTC()
		e.s.now = func() time.Time { return now }
		cookie := sessionCookie(aliceDID)
		if err := e.st.CreateWebSession(t.Context(), store.WebSession{
			ID: sessionKey(cookie), DID: aliceDID, OAuthSessionID: "x", CreatedAt: now, ExpiresAt: now.Add(userRecheck / 2),
		}); err != nil {
			t.Fatal(err)
		}
		if !e.view(t, cookie).loggedIn {
			t.Fatal("not logged in")
		}
		// Expired, though the cached session is recent enough to be used.
		e.s.now = func() time.Time { return now.Add(userRecheck / 2) }
		if e.view(t, cookie).loggedIn {
			t.Error("the cached session outlived its expiry")
		}
	})
}

// TestAnotherProcessRowsAppearAfterPoll: rows that another process stores
// in the same database (a second Store on it), deletes or changes show
// after one poll, and the affected user's own status with them; on SQLite
// and PostgreSQL.
func TestAnotherProcessRowsAppearAfterPoll(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			url := "sqlite:" + filepath.Join(t.TempDir(), "shared.db")
			if dialect == "postgres" {
				url = pgtest.Start(t)
			}
			mine, other := openStore(t, url), openStore(t, url)
			testAnotherProcess(t, mine, other)
		})
	}
}

// openStore opens the store at url until the test ends.
func openStore(t *testing.T, url string) *store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// testAnotherProcess serves from mine what other writes.
func testAnotherProcess(t *testing.T, mine, other *store.Store) {
	e := newTestEnv(t, func(d *Deps) { d.Store = mine })
	e.st = mine
	cookie := e.session(t, aliceDID)
	if v := e.view(t, cookie); len(v.uris) != 0 || v.selected != "" {
		t.Fatalf("before: %+v", v)
	}
	e.view(t, "")

	now := time.Now().UTC()
	row := store.Status{
		URI: syntax.ATURI("at://" + aliceDID.String() + "/xyz.statusphere.status/3kaaaaaaaaaa2"), AuthorDID: aliceDID, RKey: "3kaaaaaaaaaa2",
		Status: "🦋", CID: "bafyother", Record: []byte(`{}`), CreatedAt: now, IndexedAt: now,
	}
	if err := other.UpsertStatus(t.Context(), row); err != nil {
		t.Fatal(err)
	}
	if err := e.s.poll(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	for _, cookie := range []string{cookie, ""} {
		if v := e.view(t, cookie); !v.shows(row.URI) || (cookie != "" && v.selected != "🦋") {
			t.Errorf("after one poll: %+v, want %s shown (and 🦋 selected when logged in)", v, row.URI)
		}
	}

	if err := other.DeleteStatus(t.Context(), row.URI); err != nil {
		t.Fatal(err)
	}
	if err := e.s.poll(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	for _, cookie := range []string{cookie, ""} {
		if v := e.view(t, cookie); len(v.uris) != 0 || v.selected != "" {
			t.Errorf("after the other process's delete and one poll: %+v", v)
		}
	}
}

// TestPollKeepsLocalPostsItMissed: a poll whose read began before a local
// post was published does not take the post out of the window; the next
// poll, which reads it from the store, keeps it.
func TestPollKeepsLocalPostsItMissed(t *testing.T) {
	e := newTestEnv(t)
	e.view(t, "")
	start := e.s.Live.mark()
	entries, err := e.st.Timeline(t.Context(), windowSize, time.Time{}) // the poll's read, before the post
	if err != nil {
		t.Fatal(err)
	}
	row := e.addStatus(t, bobDID, "3kaaaaaaaaaa2", "🚀", time.Now().UTC())
	if err := e.s.Live.publish(store.TimelineEntry{Status: row}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Live.apply(entries, start); err != nil {
		t.Fatal(err)
	}
	if v := e.view(t, ""); !v.shows(row.URI) {
		t.Fatalf("a poll that missed the post took it out: %q", v.uris)
	}
	if err := e.s.poll(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	if v := e.view(t, ""); !v.shows(row.URI) || len(e.s.Live.pending) != 0 {
		t.Fatalf("after the next poll: %q, %d pending", v.uris, len(e.s.Live.pending))
	}
}
