package app_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/testnet"
)

var screenshots = flag.Bool("screenshots", false, "write the phone-sized screenshots (light and dark) into docs/")

// TestMobileLayout renders /, /lexicons, a timeline whose author is known
// only by a long raw DID, and the 404 page in Chromium at 390×844 (a
// phone), in light and dark mode: nothing is wider than the screen.
func TestMobileLayout(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("alice"))
	a := startApp(t, n, dbFile(t))
	ctx := t.Context()
	// A status by an author the identity cache does not know, with a long DID.
	did := syntax.DID("did:web:averyveryverylonghostnamewithoutanyhyphensatallforapersonaldataserver.example.com")
	now := time.Now().UTC()
	err := a.Store.UpsertStatus(ctx, store.Status{
		URI: syntax.ATURI("at://" + did.String() + "/" + statusNSID + "/3kaaaaaaaaaa2"), AuthorDID: did, RKey: "3kaaaaaaaaaa2",
		Status: "🧑‍💻", CID: "bafyreidummy", Record: []byte(`{}`), CreatedAt: now.Add(-5 * time.Minute), IndexedAt: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	b := n.Browser(t)
	if err := chromedp.Run(b, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(1))); err != nil {
		t.Fatal(err)
	}
	for _, scheme := range []string{"light", "dark"} {
		media := emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}})
		if err := chromedp.Run(b, media); err != nil {
			t.Fatal(err)
		}
		for _, page := range []struct{ name, path, wait string }{
			{"home", "/", `#timeline .status-line`},
			{"lexicons", "/lexicons", `.lexicon table`},
			{"404", "/no/such/page", `.notfound`},
		} {
			var width int
			var body string
			err := chromedp.Run(b,
				chromedp.Navigate(a.URL()+page.path),
				chromedp.WaitVisible(page.wait),
				chromedp.Evaluate(`document.documentElement.scrollWidth`, &width),
				chromedp.Text(`body`, &body))
			if err != nil {
				t.Fatalf("%s (%s): %v", page.path, scheme, err)
			}
			if width > 390 {
				t.Errorf("%s (%s): scrollWidth %d px, want ≤ 390 (no horizontal scrolling on a phone)", page.path, scheme, width)
			}
			if page.name == "home" && !strings.Contains(body, did.String()) {
				t.Errorf("home: the raw DID author is not on the page:\n%s", body)
			}
			if *screenshots && page.name != "404" {
				saveScreenshot(t, b, filepath.Join("..", "..", "docs", fmt.Sprintf("mobile-%s-%s.png", page.name, scheme)))
			}
		}
	}
}

// saveScreenshot writes the page as shown, at its full height, to path.
func saveScreenshot(t *testing.T, b context.Context, path string) {
	t.Helper()
	var png []byte
	if err := chromedp.Run(b, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}
