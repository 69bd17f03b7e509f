package app_test

import (
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/chromedp/chromedp"

	"github.com/statusphere/statusphere/internal/testnet"
)

var screenshot = flag.String("screenshot", "", "write a PNG of the logged-in home page here (docs/screenshot.png)")

func TestBrowserLoginPostStatus(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("alice", "bob"))
	a := startApp(t, n, dbFile(t))
	alice := n.Account("alice")
	ctx := t.Context()
	if err := alice.SetDisplayName(ctx, "Alice Liddell"); err != nil {
		t.Fatal(err)
	}

	b := n.Browser(t)
	var greeting, timeline string
	steps := []struct {
		name    string
		actions []chromedp.Action
	}{
		{"home, logged out", []chromedp.Action{
			chromedp.Navigate(a.URL() + "/"),
			chromedp.WaitVisible(`input[name="handle"]`),
			chromedp.SendKeys(`input[name="handle"]`, alice.Handle.String()),
			chromedp.Click(`.login-form button[type="submit"]`),
		}},
		{"PDS sign-in page", []chromedp.Action{
			chromedp.WaitVisible(`input[type="password"]`),
			chromedp.SendKeys(`input[type="password"]`, alice.Password),
			chromedp.Click(`button[type="submit"]`),
		}},
		{"PDS consent page", []chromedp.Action{
			chromedp.WaitVisible(`//button[@type="submit" and contains(., "Authorize")]`),
			chromedp.Click(`//button[@type="submit" and contains(., "Authorize")]`),
		}},
		{"back home, logged in", []chromedp.Action{
			chromedp.WaitVisible(`#greeting`),
			chromedp.Text(`#greeting`, &greeting),
		}},
		{"click 🦋", []chromedp.Action{
			chromedp.Click(`button.status-option[value="🦋"]`),
			chromedp.WaitVisible(`#timeline .status-line`),
			chromedp.WaitVisible(`button.status-option.selected[value="🦋"]`),
			chromedp.Text(`#timeline`, &timeline),
		}},
	}
	for _, s := range steps {
		sctx, cancel := contextWithTimeout(b, 20*time.Second)
		err := chromedp.Run(sctx, s.actions...)
		cancel()
		if err != nil {
			var loc, html string
			chromedp.Run(b, chromedp.Location(&loc), chromedp.OuterHTML("body", &html)) //nolint:errcheck // diagnostics only
			t.Fatalf("step %q: %v\nat %s\n%.3000s", s.name, err, loc, html)
		}
	}

	if !strings.Contains(greeting, "Alice Liddell") {
		t.Errorf("greeting = %q, want her display name", greeting)
	}
	if !strings.Contains(timeline, "@alice.test") || !strings.Contains(timeline, "🦋") {
		t.Errorf("timeline = %q, want @alice.test with 🦋", timeline)
	}

	recs, err := alice.ListRecords(ctx, statusNSID)
	if err != nil || len(recs) != 1 {
		t.Fatalf("alice's statuses on the PDS = %d (%v), want 1", len(recs), err)
	}
	rec := recs[0]
	rkey := rec.URI.RecordKey().String()
	got, err := alice.GetRecord(ctx, statusNSID, rkey)
	if err != nil {
		t.Fatalf("getRecord: %v", err)
	}
	if got.Value["$type"] != statusNSID || got.Value["status"] != "🦋" {
		t.Errorf("record = %v, want $type %s and status 🦋", got.Value, statusNSID)
	}
	if s, _ := got.Value["createdAt"].(string); s == "" {
		t.Errorf("record has no createdAt: %v", got.Value)
	} else if _, err := syntax.ParseDatetime(s); err != nil {
		t.Errorf("createdAt %q: %v", s, err)
	}
	if _, err := syntax.ParseTID(rkey); err != nil {
		t.Errorf("record key %q is not a TID: %v", rkey, err)
	}

	// A status bob writes with another app arrives through the firehose and
	// shows on alice's open page, without a reload.
	bob := n.Account("bob")
	bobRec := map[string]any{"$type": statusNSID, "status": "🚀", "createdAt": syntax.DatetimeNow().String()}
	if _, err := bob.CreateRecord(ctx, statusNSID, "", bobRec, nil); err != nil {
		t.Fatal(err)
	}
	var live string
	lctx, cancel := contextWithTimeout(b, 5*time.Second)
	err = chromedp.Run(lctx, chromedp.WaitVisible(`//div[@id="timeline"]//a[contains(., "@bob.test")]`), chromedp.Text(`#timeline`, &live))
	cancel()
	if err != nil || !strings.Contains(live, "🚀") {
		rows, _ := a.Store.Timeline(ctx, 10, time.Time{})
		t.Fatalf("bob's status did not arrive on alice's page: %v (timeline %q; database %+v)", err, live, rows)
	}

	// The page after a reload still shows it (from the database).
	var reloaded string
	if err := chromedp.Run(b, chromedp.Reload(), chromedp.WaitVisible(`#timeline .status-line`), chromedp.Text(`#timeline`, &reloaded)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(reloaded, "@alice.test") {
		t.Errorf("after reload the timeline = %q", reloaded)
	}
	if *screenshot != "" {
		var png []byte
		if err := chromedp.Run(b, chromedp.FullScreenshot(&png, 100)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(*screenshot, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
