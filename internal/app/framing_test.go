package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/statusphere/statusphere/internal/testnet"
)

// TestFramingRefusedByBrowser is the browser half of TestSecurityHeaders
// (internal/web): a page of another origin on the same site frames the
// home page, as the clickjacking probe did, and headless Chromium refuses
// to render it (Content-Security-Policy frame-ancestors 'none',
// X-Frame-Options DENY): the frame holds Chromium's error page, never ours.
func TestFramingRefusedByBrowser(t *testing.T) {
	n := testnet.Start(t)
	a := startApp(t, n, dbFile(t))
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>framer</title><iframe id="victim" src="%s/" style="opacity:0.01"></iframe>`, a.URL())
	}))
	defer attacker.Close()

	b := n.Browser(t)
	ctx, cancel := context.WithTimeout(b, time.Minute)
	defer cancel()
	if err := chromedp.Run(ctx, chromedp.Navigate(attacker.URL), chromedp.WaitReady(`#victim`)); err != nil {
		t.Fatal(err)
	}
	// The frame settles on one URL: ours if it rendered, Chromium's error
	// page if the headers refused it.
	var child string
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var tree *page.FrameTree
		err := chromedp.Run(ctx, chromedp.ActionFunc(func(ctx context.Context) error {
			var err error
			tree, err = page.GetFrameTree().Do(ctx)
			return err
		}))
		if err != nil {
			t.Fatal(err)
		}
		if len(tree.ChildFrames) == 1 {
			child = tree.ChildFrames[0].Frame.URL
			if child != "" && child != "about:blank" {
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if child == a.URL()+"/" {
		t.Fatalf("the home page rendered inside a frame of %s", attacker.URL)
	}
	if child != "chrome-error://chromewebdata/" {
		t.Fatalf("framed document is %q, want Chromium's error page", child)
	}
}
