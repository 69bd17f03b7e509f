package app_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/statusphere/statusphere/internal/app"
	"github.com/statusphere/statusphere/internal/testnet"
)

// switchTransport fails every request to the PDS while down is set.
type switchTransport struct {
	next http.RoundTripper
	down atomic.Bool
}

func (s *switchTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if s.down.Load() && strings.HasSuffix(r.URL.Hostname(), testnet.Domain) {
		return nil, errors.New("dial tcp: connection refused (PDS down for the test)")
	}
	return s.next.RoundTrip(r)
}

// TestStatusPDSUnreachable: when the user's PDS cannot be reached the post
// fails with a readable 502, nothing is stored, and the page still renders;
// once the PDS is back the same session posts.
func TestStatusPDSUnreachable(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("alice"))
	sw := &switchTransport{next: n.HTTPClient.Transport}
	a := startApp(t, n, dbFile(t), app.WithHTTPClient(&http.Client{Transport: sw, Timeout: 10 * time.Second}))
	c := login(t, n, a, n.Account("alice"))

	sw.down.Store(true)
	code, body := postJSON(t, c, a.URL()+"/status", `{"status":"🦋"}`)
	if code != http.StatusBadGateway || !strings.Contains(body, "Could not write your status") {
		t.Fatalf("POST /status with the PDS down = %d %s, want 502 with a readable error", code, body)
	}
	if rows, _ := a.Store.CountStatuses(t.Context()); rows != 0 {
		t.Fatalf("%d statuses stored after a failed write", rows)
	}
	// Without JavaScript: the page again, with the error.
	resp, err := c.PostForm(a.URL()+"/status", url.Values{"status": {"🦋"}})
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(t, resp)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(page, `class="error"`) {
		t.Fatalf("form post with the PDS down = %d", resp.StatusCode)
	}

	sw.down.Store(false)
	// A plain form post (no JavaScript) works and redirects home.
	resp, err = c.PostForm(a.URL()+"/status", url.Values{"status": {"🦋"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("form post = %d → %q, want 303 to /", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, home := get(t, c, a.URL()+"/"); !strings.Contains(home, "@alice.test") || !strings.Contains(home, `value="🦋" class="status-option selected"`) {
		t.Fatal("the status posted without JavaScript is not on the home page")
	}
}
