package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/bluesky-social/indigo/atproto/atclient"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/pds"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/testnet"
)

const statusNSID = "xyz.statusphere.status"

func TestStatusRejectsInvalid(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("alice"))
	a := startApp(t, n, dbFile(t))
	alice := n.Account("alice")

	// Without a session: 401, JSON error.
	code, body := postJSON(t, newBrowserlessClient(t), a.URL()+"/status", `{"status":"🦋"}`)
	if code != http.StatusUnauthorized || !strings.Contains(body, `"error"`) {
		t.Fatalf("POST /status without session = %d %s, want 401 with an error", code, body)
	}

	c := login(t, n, a, alice)
	cases := []struct{ name, body string }{
		{"two graphemes", `{"status":"🦋🦋"}`},
		{"empty", `{"status":""}`},
		{"33 bytes", `{"status":"` + strings.Repeat("a", 33) + `"}`},
		{"not a string", `{"status":5}`},
		{"missing", `{}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, body := postJSON(t, c, a.URL()+"/status", tc.body)
			var out struct{ Error string }
			if err := json.Unmarshal([]byte(body), &out); err != nil || code != http.StatusBadRequest || out.Error == "" {
				t.Fatalf("POST /status %s = %d %s, want 400 {\"error\": …}", tc.body, code, body)
			}
		})
	}
	recs, err := alice.ListRecords(t.Context(), statusNSID)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 0 {
		t.Fatalf("invalid statuses reached the PDS: %+v", recs)
	}

	// The same session can still post a valid status.
	code, body = postJSON(t, c, a.URL()+"/status", `{"status":"🦋"}`)
	if code != http.StatusOK {
		t.Fatalf("valid POST /status = %d %s", code, body)
	}
}

func TestLogoutRevokes(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("alice"))
	a := startApp(t, n, dbFile(t))
	alice := n.Account("alice")
	c := login(t, n, a, alice)
	ctx := t.Context()

	// Keep what an attacker who stole the database row would have.
	ws := webSessionOf(t, a, c)
	stolen, err := a.Store.OAuthSession(ctx, ws.DID, ws.OAuthSessionID)
	if err != nil {
		t.Fatalf("oauth session before logout: %v", err)
	}
	if err := callPDS(ctx, a, ws); err != nil {
		t.Fatalf("the session cannot call the PDS before logout: %v", err)
	}

	resp, err := c.PostForm(a.URL()+"/logout", url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /logout = %d, want 303", resp.StatusCode)
	}
	if _, err := a.Store.OAuthSession(ctx, ws.DID, ws.OAuthSessionID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("OAuth session still stored after logout (err %v)", err)
	}
	if _, err := a.Store.WebSession(ctx, ws.ID, ws.CreatedAt); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("web session still stored after logout (err %v)", err)
	}

	// The old tokens were revoked at the authorization server: put them
	// back and try to use (and refresh) them.
	if err := a.Store.SaveOAuthSession(ctx, ws.DID, ws.OAuthSessionID, stolen); err != nil {
		t.Fatal(err)
	}
	err = callPDS(ctx, a, ws)
	var ae *atclient.APIError
	if err == nil || (!errors.As(err, &ae) && !strings.Contains(err.Error(), "refresh")) {
		t.Fatalf("revoked session called the PDS: err = %v", err)
	}
	t.Logf("revoked session refused: %v", err)

	// The old cookie now shows the logged-out page.
	old := newBrowserlessClient(t)
	old.Jar = c.Jar
	code, body := get(t, old, a.URL()+"/")
	if code != http.StatusOK || !strings.Contains(body, `name="handle"`) || strings.Contains(body, "Log out") {
		t.Fatalf("home with the old cookie is not the logged-out page (%d)", code)
	}
}

func TestSessionSurvivesRestart(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("alice"))
	db := dbFile(t)
	first := startApp(t, n, db)
	alice := n.Account("alice")
	if err := alice.SetDisplayName(t.Context(), "Alice Liddell"); err != nil {
		t.Fatal(err)
	}
	c := login(t, n, first, alice)
	if _, body := get(t, c, first.URL()+"/"); !strings.Contains(body, "Alice Liddell") {
		t.Fatal("not logged in before the restart")
	}
	first.stop()

	second := startApp(t, n, db)
	code, body := get(t, c, second.URL()+"/")
	if code != http.StatusOK || !strings.Contains(body, "Alice Liddell") || !strings.Contains(body, "Log out") {
		t.Fatalf("after restart the user is not logged in (%d)", code)
	}
	code, body = postJSON(t, c, second.URL()+"/status", `{"status":"🚀"}`)
	if code != http.StatusOK {
		t.Fatalf("POST /status after restart = %d %s", code, body)
	}
	recs, err := alice.ListRecords(t.Context(), statusNSID)
	if err != nil || len(recs) != 1 || recs[0].Value["status"] != "🚀" {
		t.Fatalf("records after restart = %+v (%v), want one 🚀", recs, err)
	}
}

// webSessionOf finds the web session behind c's cookie.
func webSessionOf(t *testing.T, a *running, c *http.Client) store.WebSession {
	t.Helper()
	u, _ := url.Parse(a.URL())
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "statusphere_session" {
			sum := sha256.Sum256([]byte(ck.Value))
			ws, err := a.Store.WebSession(t.Context(), hex.EncodeToString(sum[:]), sessionNow())
			if err != nil {
				t.Fatalf("web session: %v", err)
			}
			return ws
		}
	}
	t.Fatal("no session cookie")
	return store.WebSession{}
}

// callPDS makes an authenticated write through the session.
func callPDS(ctx context.Context, a *running, ws store.WebSession) error {
	return a.OAuth.WithSession(ctx, ws.DID, ws.OAuthSessionID, func(api *atclient.APIClient, _ string) error {
		rec := map[string]any{"$type": statusNSID, "status": "👀", "createdAt": syntax.DatetimeNow().String()}
		_, err := pds.CreateRecord(ctx, api, ws.DID, statusNSID, syntax.RecordKey(syntax.NewTIDNow(0).String()), rec)
		return err
	})
}
