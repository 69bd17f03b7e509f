package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/chromedp/chromedp"

	"github.com/statusphere/statusphere/internal/testnet"
)

// TestSignUp: "Create an account" with the local PDS's address starts an
// OAuth sign-in with prompt=create; the PDS's own sign-up page creates
// the account, and the browser lands back on the app, logged in with the
// greeting, as the new account.
func TestSignUp(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("alice"))
	a := startApp(t, n, dbFile(t))
	b := n.Browser(t)
	var greeting string
	steps := []struct {
		name    string
		actions []chromedp.Action
	}{
		{"home, logged out", []chromedp.Action{
			chromedp.Navigate(a.URL() + "/"),
			chromedp.WaitVisible(`input[name="pds"]`),
			chromedp.SetValue(`input[name="pds"]`, n.PublicURL()),
			chromedp.Click(`.signup-form button[type="submit"]`),
		}},
		{"PDS sign-up page: the handle", []chromedp.Action{
			chromedp.WaitVisible(`input#handle`),
			chromedp.SendKeys(`input#handle`, "dora"),
			chromedp.Click(`//form//button[@type="submit" and contains(., "Next")]`),
		}},
		{"PDS sign-up page: email and password", []chromedp.Action{
			chromedp.WaitVisible(`input[name="email"]`),
			chromedp.SendKeys(`input[name="email"]`, "dora@example.com"),
			chromedp.SendKeys(`input[name="password"]`, "dora-password-123"),
			chromedp.Click(`form button[type="submit"]`),
		}},
		{"PDS consent page", []chromedp.Action{
			chromedp.WaitVisible(`//button[@type="submit" and contains(., "Authorize")]`),
			chromedp.Click(`//button[@type="submit" and contains(., "Authorize")]`),
		}},
		{"back home, logged in", []chromedp.Action{
			chromedp.WaitVisible(`#greeting`),
			chromedp.Text(`#greeting`, &greeting),
		}},
	}
	for _, s := range steps {
		sctx, cancel := contextWithTimeout(b, 30*time.Second)
		err := chromedp.Run(sctx, s.actions...)
		cancel()
		if err != nil {
			var loc, html string
			chromedp.Run(b, chromedp.Location(&loc), chromedp.OuterHTML("body", &html)) //nolint:errcheck // diagnostics only
			t.Fatalf("step %q: %v\nat %s\n%.3000s", s.name, err, loc, html)
		}
	}
	if !strings.HasPrefix(greeting, "Hi, ") {
		t.Errorf("greeting = %q", greeting)
	}
	// The account exists on the network, and the app's session is hers: a
	// status posted now is dora's.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	id, err := n.Directory().LookupHandle(ctx, syntax.Handle("dora.test"))
	if err != nil {
		t.Fatalf("dora.test does not resolve after the sign-up: %v", err)
	}
	pctx, cancel := contextWithTimeout(b, 20*time.Second)
	defer cancel()
	err = chromedp.Run(pctx,
		chromedp.Click(`button.status-option[value="🦋"]`),
		chromedp.WaitVisible(`//div[@id="timeline"]//div[contains(@class,"status-line")][.//a[contains(., "@dora.test")] and contains(., "🦋")]`))
	if err != nil {
		t.Fatalf("posting as the new account: %v", err)
	}
	if st, err := a.Store.LatestStatus(ctx, id.DID); err != nil || st.Status != "🦋" {
		t.Errorf("dora's (%s) latest status in the database = %+v, %v; want 🦋", id.DID, st, err)
	}
}
