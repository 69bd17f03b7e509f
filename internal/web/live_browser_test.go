package web

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/testnet"
)

// TestLiveNoDuplicate: in Chromium, a status already rendered on the page
// by the server and then delivered by /events appears exactly once, its
// line carrying the record's real AT-URI; a new status delivered next is
// added at the top.
func TestLiveNoDuplicate(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium; run without -short")
	}
	e := newTestEnv(t)
	rendered := e.addStatus(t, bobDID, "3kaaaaaaaaab2", "🚀", time.Now().UTC().Add(-time.Minute))
	srv := httptest.NewServer(e.s)
	t.Cleanup(srv.Close)
	b := testnet.StartBrowser(t, nil)

	uriSel := `#timeline .status-line[data-uri="` + rendered.URI.String() + `"]`
	step(t, b, "the page with bob's status", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(uriSel))
	waitFor(t, 10*time.Second, "the page's event stream", func() bool {
		e.s.Live.mu.Lock()
		defer e.s.Live.mu.Unlock()
		return len(e.s.Live.subs) == 1
	})

	// The same status (record version) arrives on the stream, then a new one.
	now := time.Now().UTC()
	if err := e.s.Live.publish(store.TimelineEntry{Status: rendered, Handle: "bob.test"}); err != nil {
		t.Fatal(err)
	}
	fresh := e.addStatus(t, aliceDID, "3kaaaaaaaaac2", "🦋", now)
	if err := e.s.Live.publish(store.TimelineEntry{Status: fresh, Handle: "alice.test"}); err != nil {
		t.Fatal(err)
	}
	step(t, b, "the new status arrives", chromedp.WaitVisible(`#timeline .status-line[data-uri="`+fresh.URI.String()+`"]`))

	var uris []string
	step(t, b, "read the lines", chromedp.Evaluate(`[...document.querySelectorAll('#timeline .status-line')].map((el) => el.dataset.uri)`, &uris))
	if len(uris) != 2 || uris[0] != fresh.URI.String() || uris[1] != rendered.URI.String() {
		t.Fatalf("timeline lines %q, want [%s %s]: each status once, the new one on top", uris, fresh.URI, rendered.URI)
	}
	for _, u := range uris {
		if !strings.HasPrefix(u, "at://") {
			t.Errorf("line data-uri %q is not an AT-URI", u)
		}
	}
}

// step runs a step's actions in the browser, failing the test with the
// page's body when they do not complete within 15 s.
func step(t *testing.T, b context.Context, name string, actions ...chromedp.Action) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b, 15*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		var html string
		chromedp.Run(b, chromedp.OuterHTML("body", &html)) //nolint:errcheck // diagnostics only
		t.Fatalf("step %q: %v\n%.3000s", name, err, html)
	}
}

// waitFor polls cond until it holds or within has passed.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLoginButtonBusy: in Chromium, submitting the login form turns its
// button into a disabled, aria-busy "Logging in…", so it cannot be pressed
// twice while the app looks the account up. (The test's own submit
// listener, added after app.js's, keeps the page from navigating.)
func TestLoginButtonBusy(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium; run without -short")
	}
	e := newTestEnv(t)
	srv := httptest.NewServer(e.s)
	t.Cleanup(srv.Close)
	b := testnet.StartBrowser(t, nil)

	var label, busy string
	var disabled, ok bool
	step(t, b, "submit the login form",
		chromedp.Navigate(srv.URL+"/"),
		chromedp.Evaluate(`document.querySelector('.login-form').addEventListener('submit', (ev) => ev.preventDefault()); true`, &ok),
		chromedp.SendKeys(`#handle`, "alice.test"),
		chromedp.Click(`.login-form button[type="submit"]`),
		chromedp.Text(`.login-form button`, &label),
		chromedp.JavascriptAttribute(`.login-form button`, "disabled", &disabled),
		chromedp.AttributeValue(`.login-form button`, "aria-busy", &busy, nil))
	if label != "Logging in…" || !disabled || busy != "true" {
		t.Errorf("after submitting, the button is %q, disabled=%v, aria-busy=%q; want \"Logging in…\", disabled, busy", label, disabled, busy)
	}
}
