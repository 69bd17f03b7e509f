package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ouroauth "github.com/statusphere/statusphere/internal/oauth"
)

// TestPublicPageBehindState: the cached logged-out page offers sign-up on
// the configured PDS and follows the ingester's state: the "behind" notice
// shows while it is disconnected and goes when it is back, with no new
// status in between.
func TestPublicPageBehindState(t *testing.T) {
	var healthy atomic.Bool
	healthy.Store(true)
	e := newTestEnv(t, func(d *Deps) {
		d.SignupPDS = "pds.example"
		d.Behind = func(context.Context) bool { return !healthy.Load() }
	})
	e.addStatus(t, bobDID, "3kaaaaaaaaab2", "🚀", time.Now().UTC())
	home := func() string {
		w := e.do(request(http.MethodGet, "/", "", ""))
		checkResponse(t, w, http.StatusOK)
		return w.Body.String()
	}
	for i, want := range []bool{false, false, true, true, false} {
		healthy.Store(!want)
		body := home()
		if got := strings.Contains(body, `id="behind"`); got != want {
			t.Errorf("view %d: behind notice shown=%v, want %v", i, got, want)
		}
		if !strings.Contains(body, `id="pds" name="pds" value="pds.example"`) || !strings.Contains(body, "🚀") {
			t.Errorf("view %d: no sign-up form on pds.example or no timeline:\n%s", i, body)
		}
	}
}

// TestHomeNotesLineCached: a session whose grant lacks the permission set
// is told notes are unavailable on every view (logged-in and behind too),
// while its grant is read once for views within userRecheck.
func TestHomeNotesLineCached(t *testing.T) {
	e := newTestEnv(t, func(d *Deps) {
		d.Behind = func(context.Context) bool { return true }
	})
	now := time.Now().UTC()
	e.s.now = func() time.Time { return now }
	e.auth.granted = ouroauth.BaseScopes
	cookie := e.session(t, aliceDID)
	for range 3 {
		w := e.do(request(http.MethodGet, "/", "", cookie))
		want(http.StatusOK, "Log out", `id="notes-unavailable"`, `id="behind"`)(t, e, w)
	}
	e.auth.mu.Lock()
	grants := e.auth.grants
	e.auth.mu.Unlock()
	if grants != 1 {
		t.Errorf("Granted called %d times for 3 views, want 1", grants)
	}
}

// TestTimelineRelativeTimes: a line's relative time follows the clock
// although the window's statuses do not change.
func TestTimelineRelativeTimes(t *testing.T) {
	e := newTestEnv(t)
	now := time.Now().UTC().Truncate(time.Minute)
	e.s.now = func() time.Time { return now }
	e.addStatus(t, bobDID, "3kaaaaaaaaab2", "🚀", now.Add(-10*time.Second))
	line := func() string {
		w := e.do(request(http.MethodGet, "/", "", ""))
		checkResponse(t, w, http.StatusOK)
		_, after, ok := strings.Cut(w.Body.String(), "<time ")
		if !ok {
			t.Fatalf("no time on the page:\n%s", w.Body)
		}
		return after[strings.Index(after, ">")+1 : strings.Index(after, "</time>")]
	}
	if got := line(); got != "now" {
		t.Errorf("time = %q, want now", got)
	}
	now = now.Add(5 * time.Minute)
	if got := line(); got != "5m" {
		t.Errorf("five minutes later: time = %q, want 5m", got)
	}
}

// TestProfileFailureCached: when the user's PDS cannot give their profile,
// the first view greets them as "friend" and the next views do not ask the
// PDS again (each would wait up to its timeout); a background retry comes
// after profileRetry.
func TestProfileFailureCached(t *testing.T) {
	e := newTestEnv(t)
	now := time.Now().UTC()
	e.s.now = func() time.Time { return now }
	e.records.mu.Lock()
	e.records.nameErr = errors.New("PDS down")
	e.records.mu.Unlock()
	cookie := e.session(t, aliceDID)
	for range 3 {
		w := e.do(request(http.MethodGet, "/", "", cookie))
		want(http.StatusOK, "Log out", "friend")(t, e, w)
	}
	e.records.mu.Lock()
	reads := e.records.nameReads
	e.records.mu.Unlock()
	if reads != 1 {
		t.Errorf("the PDS was asked for the profile %d times in 3 views, want 1", reads)
	}
}
