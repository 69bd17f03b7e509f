package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/statusphere/statusphere/internal/app"
	"github.com/statusphere/statusphere/internal/testnet"
)

// countingTransport counts requests to the OAuth token endpoint.
type countingTransport struct {
	next   http.RoundTripper
	tokens atomic.Int32
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/oauth/token") {
		c.tokens.Add(1)
	}
	return c.next.RoundTrip(r)
}

// TestConcurrentRequestsRefreshOnce invalidates a session's access token and
// sends five status posts for that session at once: the tokens are
// refreshed exactly once, the refreshed tokens are saved, and every post
// succeeds.
func TestConcurrentRequestsRefreshOnce(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("alice"))
	ct := &countingTransport{next: n.HTTPClient.Transport}
	client := &http.Client{Transport: ct, Timeout: n.HTTPClient.Timeout}
	a := startApp(t, n, dbFile(t), app.WithHTTPClient(client))
	alice := n.Account("alice")
	c := login(t, n, a, alice)
	ctx := t.Context()

	ws := webSessionOf(t, a, c)
	raw, err := a.Store.OAuthSession(ctx, ws.DID, ws.OAuthSessionID)
	if err != nil {
		t.Fatal(err)
	}
	var sd map[string]any
	if err := json.Unmarshal(raw, &sd); err != nil {
		t.Fatal(err)
	}
	oldRefresh := sd["refresh_token"]
	tok := sd["access_token"].(string)
	sd["access_token"] = tok[:len(tok)-4] + "AAAA" // a bad signature: the PDS answers invalid_token
	raw, _ = json.Marshal(sd)
	if err := a.Store.SaveOAuthSession(ctx, ws.DID, ws.OAuthSessionID, raw); err != nil {
		t.Fatal(err)
	}
	before := ct.tokens.Load()

	var wg sync.WaitGroup
	codes := make([]int, 5)
	for i := range codes {
		wg.Go(func() {
			codes[i], _ = postJSON(t, c, a.URL()+"/status", `{"status":"👍"}`)
		})
	}
	wg.Wait()
	for i, code := range codes {
		if code != http.StatusOK {
			t.Errorf("post %d = %d", i, code)
		}
	}
	if got := ct.tokens.Load() - before; got != 1 {
		t.Errorf("token endpoint called %d times, want exactly 1 refresh", got)
	}
	raw, _ = a.Store.OAuthSession(ctx, ws.DID, ws.OAuthSessionID)
	json.Unmarshal(raw, &sd) //nolint:errcheck // checked above
	if sd["refresh_token"] == oldRefresh {
		t.Error("the refreshed tokens were not saved")
	}
	if recs, _ := alice.ListRecords(ctx, statusNSID); len(recs) != 5 {
		t.Errorf("%d records written, want 5", len(recs))
	}
}
