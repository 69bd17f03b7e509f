package app_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/statusphere/statusphere/internal/testnet"
)

// TestSidecarNote: in headless Chromium, alice posts 🚀 with a note. Both
// records are in her repository on the PDS under the same record key, the
// status record with only the fields of xyz.statusphere.status; the
// timeline shows the note at once, and again after the app restarts. The
// PDS resolves the permission set from our published schemas (as in
// TestPermissionSetConsent), so the login is granted notes.
func TestSidecarNote(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("alice"), testnet.WithLexiconAuthority("lexicons"))
	publishOwnSchemas(t, n, n.Account("lexicons"))
	db := dbFile(t)
	a := startApp(t, n, db)
	alice := n.Account("alice")
	ctx := t.Context()

	b := n.Browser(t)
	var line string
	steps := []struct {
		name    string
		actions []chromedp.Action
	}{
		{"log in", []chromedp.Action{
			chromedp.Navigate(a.URL() + "/"),
			chromedp.WaitVisible(`input[name="handle"]`),
			chromedp.SendKeys(`input[name="handle"]`, alice.Handle.String()),
			chromedp.Click(`.login-form button[type="submit"]`),
			chromedp.WaitVisible(`input[type="password"]`),
			chromedp.SendKeys(`input[type="password"]`, alice.Password),
			chromedp.Click(`button[type="submit"]`),
			chromedp.WaitVisible(`//button[@type="submit" and contains(., "Authorize")]`),
			chromedp.Click(`//button[@type="submit" and contains(., "Authorize")]`),
			chromedp.WaitVisible(`#greeting`),
		}},
		{"post 🚀 with a note", []chromedp.Action{
			chromedp.SendKeys(`#note`, "shipping today"),
			chromedp.Click(`button.status-option[value="🚀"]`),
			chromedp.WaitVisible(`//div[@id="timeline"]//div[contains(@class, "status-line")][.//div[@class="status" and .="🚀"]]//div[@class="note" and .="shipping today"]`),
			chromedp.Text(`#timeline .status-line`, &line),
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
	if !strings.Contains(line, "@alice.test") {
		t.Errorf("the new line = %q, want it by @alice.test", line)
	}

	statuses, err := alice.ListRecords(ctx, statusNSID)
	if err != nil || len(statuses) != 1 {
		t.Fatalf("alice's statuses on the PDS: %d (%v), want 1", len(statuses), err)
	}
	notes, err := alice.ListRecords(ctx, noteNSID)
	if err != nil || len(notes) != 1 {
		t.Fatalf("alice's notes on the PDS: %d (%v), want 1", len(notes), err)
	}
	if sk, nk := statuses[0].URI.RecordKey(), notes[0].URI.RecordKey(); sk != nk {
		t.Errorf("status key %s, note key %s: want the same", sk, nk)
	}
	var fields []string
	for k := range statuses[0].Value {
		fields = append(fields, k)
	}
	slices.Sort(fields)
	if want := []string{"$type", "createdAt", "status"}; !slices.Equal(fields, want) || statuses[0].Value["status"] != "🚀" {
		t.Errorf("status record %v: want only the fields %v of %s", statuses[0].Value, want, statusNSID)
	}
	if notes[0].Value["text"] != "shipping today" || notes[0].Value["$type"] != noteNSID {
		t.Errorf("note record %v", notes[0].Value)
	}

	// After a restart the timeline (from the database) still shows both.
	a.stop()
	again := startApp(t, n, db)
	_, home := get(t, newBrowserlessClient(t), again.URL()+"/")
	if !strings.Contains(home, "🚀") || !strings.Contains(home, `<div class="note">shipping today</div>`) {
		t.Errorf("after a restart the home page does not show the status with its note:\n%.3000s", home)
	}
}
