package testnet

import (
	"context"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// Browser starts headless Debian Chromium (chromedp) that reaches
// https://pds.test through the network's TLS proxy, and returns a browser
// context that lives until the test ends. It fails the test with one line
// naming `make test` when Chromium is not installed.
func (n *Network) Browser(t testing.TB) context.Context {
	t.Helper()
	return StartBrowser(t, n.ChromiumFlags())
}

// StartBrowser is [Network.Browser] for a network started elsewhere (a
// `statusphere dev` subprocess): flags are its extra Chromium switches.
func StartBrowser(t testing.TB, flags map[string]any) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("testnet: chromium is not installed: run `make test` once, which installs Debian's chromium")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(1000, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-proxy-server", true),
	)
	for k, v := range flags {
		opts = append(opts, chromedp.Flag(k, v))
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	// Start the browser now, so a start-up failure is reported here. (The
	// first Run must use bctx itself: a derived context would own the browser.)
	if err := chromedp.Run(bctx); err != nil {
		t.Fatalf("testnet: start chromium: %v", err)
	}
	return bctx
}
