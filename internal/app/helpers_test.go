package app_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/statusphere/statusphere/internal/app"
	"github.com/statusphere/statusphere/internal/config"
	"github.com/statusphere/statusphere/internal/testlog"
	"github.com/statusphere/statusphere/internal/testnet"
)

// running is an app serving on loopback for a test.
type running struct {
	*app.App
	stop  func()
	local string // http://<listen address>, also when a public URL is set
}

// startApp runs the real app against the local network, on dbPath.
func startApp(t *testing.T, n *testnet.Network, dbPath string, opts ...app.Option) *running {
	t.Helper()
	return startAppWith(t, n, []string{"-database-url", dbPath}, opts...)
}

// startAppArgs is startApp with more command-line settings (args).
func startAppArgs(t *testing.T, n *testnet.Network, dbPath string, args []string, opts ...app.Option) *running {
	t.Helper()
	return startAppWith(t, n, append([]string{"-database-url", dbPath}, args...), opts...)
}

// startAppWith runs the real app against the local network with args
// added to (and overriding) the defaults of the tests.
func startAppWith(t *testing.T, n *testnet.Network, args []string, opts ...app.Option) *running {
	t.Helper()
	cfg, err := config.Parse("serve", append([]string{
		"-addr", "127.0.0.1:0", "-plc-url", n.PLCURL,
		"-relay-url", n.FirehoseURL(), "-ops-addr", "127.0.0.1:0",
	}, args...), func(string) string { return "" })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	log := testlog.New(t, slog.LevelInfo)
	opts = append([]app.Option{app.WithHTTPClient(n.HTTPClient), app.WithLocalHandleSuffixes(testnet.Domain), app.WithListener(ln)}, opts...)
	a, err := app.New(t.Context(), cfg, log, opts...)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("app.Run: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("app did not shut down within 15s")
		}
	}
	t.Cleanup(stop)
	return &running{App: a, stop: stop, local: "http://" + ln.Addr().String()}
}

// newBrowserlessClient is an HTTP client with a cookie jar that does not
// follow redirects, like a careful browser under test.
func newBrowserlessClient(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// login signs acct in to the app through the PDS's real OAuth server (its
// JSON API, not the pages) and returns a client holding the session cookie.
func login(t *testing.T, n *testnet.Network, a *running, acct *testnet.Account) *http.Client {
	t.Helper()
	c := newBrowserlessClient(t)
	resp, err := c.PostForm(a.URL()+"/login", url.Values{"handle": {acct.Handle.String()}})
	if err != nil {
		t.Fatalf("POST /login: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /login = %d, want 303", resp.StatusCode)
	}
	authorize := resp.Header.Get("Location")
	if !strings.HasPrefix(authorize, n.PublicURL()+"/oauth/authorize?") {
		t.Fatalf("login redirects to %q, want the PDS's authorize endpoint", authorize)
	}
	callback, err := n.SignIn(t.Context(), authorize, acct)
	if err != nil {
		t.Fatalf("sign in at the PDS: %v", err)
	}
	resp, err = c.Get(callback.String())
	if err != nil {
		t.Fatalf("GET callback: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("callback = %d %q: %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	return c
}

// get fetches path and returns the status and body.
func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return resp.StatusCode, string(b)
}

// postJSON posts body as JSON and returns the status and answer.
func postJSON(t *testing.T, c *http.Client, u, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func dbFile(t *testing.T) string { return filepath.Join(t.TempDir(), "statusphere.db") }

func sessionNow() time.Time { return time.Now().UTC() }

func contextWithTimeout(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, d)
}
