package app_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/statusphere/statusphere/internal/app"
	"github.com/statusphere/statusphere/internal/testnet"
)

var lexiconShots = flag.String("lexicon-screenshots", "", "write PNGs of the lexicon pages at desktop and phone widths into this directory (docs)")

// TestLexiconPagesInBrowser: headless Chromium visits the lexicon index,
// searches a prefix, opens a schema page, views a version diff marked
// breaking, follows a "used by" link and validates a pasted record that
// fails with the path of the error shown; at a phone's width (390 px) no
// page is wider than the screen.
func TestLexiconPagesInBrowser(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("alice", "bob", "carol"))
	txt := lexTXT{"_lexicon.lexagg.test": n.Account("alice").DID}
	a := startApp(t, n, dbFile(t), app.WithLexiconTXT(txt.lookup))
	waitFor(t, 60*time.Second, "the ingester to connect", func() bool { return a.Ingester.Health().Connected })
	waitBackfilled(t, a.Store)
	p := publishSchemas(t, n)
	waitIndex(t, a.Store, wantIndex(p, true))

	b := n.Browser(t)
	var results, verdict, diffVerdict, usedPage, path string
	bad := `{"$type":"test.lexagg.post","text":"hi","lang":"en","tag":{"name":5}}`
	steps := []struct {
		name    string
		actions []chromedp.Action
	}{
		{"index", []chromedp.Action{
			chromedp.Navigate(a.URL() + "/lexicons"),
			chromedp.WaitVisible(`#counts`),
			chromedp.SendKeys(`input[name="q"]`, "test.lexagg.p"),
			chromedp.Submit(`input[name="q"]`),
			chromedp.WaitVisible(`#results`),
			chromedp.Text(`#results`, &results),
		}},
		{"schema page", []chromedp.Action{
			chromedp.Click(`//div[@id="results"]//li[contains(., "test.lexagg.post") and contains(., "authoritative")]/a`),
			chromedp.WaitVisible(`#verdict`),
			chromedp.Text(`#verdict`, &verdict),
		}},
		{"breaking diff", []chromedp.Action{
			chromedp.Click(`a.diff-link`),
			chromedp.WaitVisible(`#diff-verdict`),
			chromedp.Text(`#diff-verdict`, &diffVerdict),
		}},
		{"used by", []chromedp.Action{
			chromedp.Navigate(a.URL() + "/lexicons/test.lexagg.tag"),
			chromedp.WaitVisible(`#used-by a`),
			chromedp.Click(`#used-by a`),
			chromedp.WaitVisible(`#validate textarea`),
			chromedp.Text(`h2`, &usedPage),
		}},
		{"validate", []chromedp.Action{
			chromedp.SetValue(`#validate textarea`, bad),
			chromedp.Click(`#validate button`),
			chromedp.WaitVisible(`#validation code.path`),
			chromedp.Text(`#validation code.path`, &path),
		}},
	}
	for _, s := range steps {
		runStep(t, b, s.name, s.actions...)
	}
	if !strings.Contains(results, "test.lexagg.post") || strings.Contains(results, "test.lexagg.tag") {
		t.Errorf("search results for test.lexagg.p: %q", results)
	}
	if verdict != "authoritative" || !strings.Contains(diffVerdict, "breaking") || usedPage != "test.lexagg.post" || path != "tag.name" {
		t.Errorf("verdict %q, diff %q, used-by page %q, error path %q", verdict, diffVerdict, usedPage, path)
	}
	schemaURL := a.URL() + "/lexicons/test.lexagg.post"
	shoot(t, b, "lexicon-schema-desktop.png", schemaURL)
	runStep(t, b, "phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	for _, u := range []string{a.URL() + "/lexicons?q=test.lexagg.", schemaURL, a.URL() + "/lexicons/test.lexagg.tag"} {
		var fits bool
		runStep(t, b, "overflow of "+u, chromedp.Navigate(u), chromedp.WaitVisible(`.lexindex`),
			chromedp.Evaluate(`document.documentElement.scrollWidth <= window.innerWidth`, &fits))
		if !fits {
			t.Errorf("%s is wider than a 390 px screen", u)
		}
	}
	shoot(t, b, "lexicon-schema-phone.png", schemaURL)
}

// shoot writes a full-page PNG of u into -lexicon-screenshots, if set.
func shoot(t *testing.T, b context.Context, name, u string) {
	t.Helper()
	if *lexiconShots == "" {
		return
	}
	var png []byte
	runStep(t, b, "screenshot "+name, chromedp.Navigate(u), chromedp.WaitVisible(`.lexindex`), chromedp.FullScreenshot(&png, 100))
	if err := os.WriteFile(filepath.Join(*lexiconShots, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
