package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/statusphere/statusphere/internal/testnet"
)

// TestLiveTimeline: alice's open home page shows bob's new status, written
// by another app and brought by the firehose, within 2 s and with no reload.
func TestLiveTimeline(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("alice", "bob"))
	a := startApp(t, n, dbFile(t))
	c := login(t, n, a, n.Account("alice"))
	u, _ := url.Parse(a.URL())
	var cookie string
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "statusphere_session" {
			cookie = ck.Value
		}
	}
	b := n.Browser(t)
	var marked bool
	err := chromedp.Run(b,
		network.SetCookie("statusphere_session", cookie).WithURL(a.URL()+"/").WithHTTPOnly(true),
		chromedp.Navigate(a.URL()+"/"),
		chromedp.WaitVisible(`#greeting`),
		chromedp.Evaluate(`window.notReloaded = true`, &marked),
	)
	if err != nil {
		t.Fatalf("open alice's home page: %v", err)
	}
	// Let the page's event stream connect before bob writes.
	time.Sleep(300 * time.Millisecond)

	bob := n.Account("bob")
	rec := map[string]any{"$type": statusNSID, "status": "🧠", "createdAt": syntax.DatetimeNow().String()}
	if _, err := bob.CreateRecord(t.Context(), statusNSID, "", rec, nil); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ctx, cancel := contextWithTimeout(b, 2*time.Second)
	defer cancel()
	var timeline string
	var same bool
	err = chromedp.Run(ctx,
		chromedp.WaitVisible(`//div[@id="timeline"]//a[contains(., "@bob.test")]`),
		chromedp.Text(`#timeline`, &timeline),
		chromedp.Evaluate(`window.notReloaded === true`, &same),
	)
	if err != nil {
		t.Fatalf("bob's status did not show within 2s: %v", err)
	}
	if !strings.Contains(timeline, "🧠") {
		t.Errorf("timeline = %q, want bob's 🧠", timeline)
	}
	if !same {
		t.Error("the page reloaded (a mark set on the page before is gone)")
	}
	t.Logf("bob's status appeared after %s", time.Since(start).Round(time.Millisecond))

	// The operations endpoints see the same process.
	code, body := get(t, c, a.OpsURL()+"/healthz")
	var health struct {
		OK       bool
		Database struct{ OK bool }
		Ingest   struct{ Connected bool }
		Backfill struct{ Running bool }
	}
	if err := json.Unmarshal([]byte(body), &health); err != nil || code != http.StatusOK || !health.OK || !health.Database.OK || !health.Ingest.Connected {
		t.Errorf("/healthz = %d %s", code, body)
	}
	_, metrics := get(t, c, a.OpsURL()+"/metrics")
	for _, want := range []string{`statusphere_http_requests_total{code="200",route="GET /{$}"}`, "statusphere_ingest_events_total{", "statusphere_db_open_connections"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
