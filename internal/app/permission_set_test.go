package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/atclient"
	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	statusphere "github.com/statusphere/statusphere"
	"github.com/statusphere/statusphere/internal/app"
	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/oauth"
	"github.com/statusphere/statusphere/internal/pds"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/testnet"
)

// The permission set's English title and detail, as the consent page shows them.
const (
	setTitle  = "Statusphere notes and API"
	setDetail = "Write short notes beside your statuses"
)

// TestPermissionSetConsent: the PDS resolves org.gostatusphere.authFull
// from a local account (its lexicon-authority setting) and shows it on its
// consent page; after consent the session is granted what the set expands
// to, and the PDS lets it write a note. A client that asks only for the
// status record gets a session that posts statuses, is refused notes, and
// the page says so.
func TestPermissionSetConsent(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("alice", "bob"), testnet.WithLexiconAuthority("lexicons"))
	publishOwnSchemas(t, n, n.Account("lexicons"))
	a := startApp(t, n, dbFile(t))
	alice := n.Account("alice")

	b := n.Browser(t)
	var consent string
	browse(t, b, []browserStep{
		{"home, logged out", []chromedp.Action{
			chromedp.Navigate(a.URL() + "/"),
			chromedp.WaitVisible(`input[name="handle"]`),
			chromedp.SendKeys(`input[name="handle"]`, alice.Handle.String()),
			chromedp.Click(`.login-form button[type="submit"]`),
		}},
		{"PDS sign-in page", []chromedp.Action{
			chromedp.WaitVisible(`input[type="password"]`),
			chromedp.SendKeys(`input[type="password"]`, alice.Password),
			chromedp.Click(`button[type="submit"]`),
		}},
		{"PDS consent page names the permission set", []chromedp.Action{
			chromedp.WaitVisible(`//*[contains(text(), "` + setTitle + `")]`),
			chromedp.Text(`body`, &consent),
			chromedp.Click(`//button[@type="submit" and contains(., "Authorize")]`),
		}},
		{"back home, logged in", []chromedp.Action{chromedp.WaitVisible(`#greeting`)}},
	})
	if !strings.Contains(consent, setDetail) {
		t.Errorf("the consent page does not show the set's detail %q:\n%s", setDetail, consent)
	}
	var unavailable int
	if err := chromedp.Run(b, chromedp.Evaluate(`document.querySelectorAll("#notes-unavailable").length`, &unavailable)); err != nil || unavailable != 0 {
		t.Errorf("the page says notes are unavailable to a session granted the set (%v)", err)
	}

	ws := browserSession(t, b, a)
	g, err := a.OAuth.Granted(t.Context(), ws.DID, ws.OAuthSessionID)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("granted: %q", g.Scopes)
	if !g.CanWriteNotes() || !g.CanWriteStatus() || !strings.Contains(" "+strings.Join(g.Scopes, " ")+" ", " repo:"+oauth.NoteCollection+" ") {
		t.Errorf("granted %q, want the set's expansion (repo:%s) and the status", g.Scopes, oauth.NoteCollection)
	}
	if err := writeNote(t.Context(), a, ws); err != nil {
		t.Errorf("writing a note with the granted session: %v", err)
	}

	t.Run("status only", func(t *testing.T) { testStatusOnly(t, n, n.Account("bob")) })
}

// testStatusOnly logs bob in to an app that asks only for the status
// record: he posts a status, the PDS refuses him a note, the page says why.
func testStatusOnly(t *testing.T, n *testnet.Network, bob *testnet.Account) {
	a := startApp(t, n, dbFile(t), app.WithOAuthScopes(oauth.BaseScopes...))
	c := login(t, n, a, bob)
	ws := webSessionOf(t, a, c)
	g, err := a.OAuth.Granted(t.Context(), ws.DID, ws.OAuthSessionID)
	if err != nil {
		t.Fatal(err)
	}
	if g.CanWriteNotes() || !g.CanWriteStatus() {
		t.Errorf("granted %q, want the status record only", g.Scopes)
	}
	if code, body := postJSON(t, c, a.URL()+"/status", `{"status":"🐢"}`); code != http.StatusOK {
		t.Fatalf("POST /status = %d: %s", code, body)
	}
	if recs, err := bob.ListRecords(t.Context(), statusNSID); err != nil || len(recs) != 1 {
		t.Errorf("bob's statuses on the PDS: %d (%v), want 1", len(recs), err)
	}
	if _, body := get(t, c, a.URL()+"/"); !strings.Contains(body, `id="notes-unavailable"`) || !strings.Contains(body, oauth.PermissionSet) {
		t.Errorf("the home page does not say notes are unavailable:\n%.3000s", body)
	}
	var ae *atclient.APIError
	if err := writeNote(t.Context(), a, ws); !errors.As(err, &ae) || ae.StatusCode != http.StatusForbidden {
		t.Errorf("a note written with a status-only session: %v, want 403 from the PDS", err)
	}
}

// publishOwnSchemas publishes every schema under org.gostatusphere into
// acct's repo, through package lexicon, before any login asks for the set.
func publishOwnSchemas(t *testing.T, n *testnet.Network, acct *testnet.Account) {
	t.Helper()
	cat, err := lexicon.Load(statusphere.Lexicons)
	if err != nil {
		t.Fatal(err)
	}
	var docs []lexicon.Doc
	for _, d := range cat.Docs() {
		if lexicon.Ours(d.NSID) {
			docs = append(docs, d)
		}
	}
	creds := lexicon.Credentials{Identifier: acct.DID.String(), Password: acct.Password, PDS: n.PDSURL}
	pub, err := lexicon.Publish(t.Context(), n.HTTPClient, n.Directory(), creds, docs)
	if err != nil {
		t.Fatalf("publishing our schemas: %v", err)
	}
	if len(pub.Records) != len(docs) || len(docs) < 2 {
		t.Fatalf("published %d records of %d schemas", len(pub.Records), len(docs))
	}
}

// writeNote creates a note record through the session, as the app would.
func writeNote(ctx context.Context, a *running, ws store.WebSession) error {
	return a.OAuth.WithSession(ctx, ws.DID, ws.OAuthSessionID, func(api *atclient.APIClient, _ string) error {
		rec := map[string]any{"$type": oauth.NoteCollection, "text": "shipping today", "createdAt": syntax.DatetimeNow().String()}
		_, err := pds.CreateRecord(ctx, api, ws.DID, oauth.NoteCollection, syntax.RecordKey(syntax.NewTIDNow(0).String()), rec)
		return err
	})
}

// browserStep is one named step of a browser walk.
type browserStep struct {
	name    string
	actions []chromedp.Action
}

// browse runs the steps, each within 30 s, and fails with the page on error.
func browse(t *testing.T, b context.Context, steps []browserStep) {
	t.Helper()
	for _, s := range steps {
		sctx, cancel := context.WithTimeout(b, 30*time.Second)
		err := chromedp.Run(sctx, s.actions...)
		cancel()
		if err != nil {
			var loc, html string
			chromedp.Run(b, chromedp.Location(&loc), chromedp.OuterHTML("body", &html)) //nolint:errcheck // diagnostics only
			t.Fatalf("step %q: %v\nat %s\n%.3000s", s.name, err, loc, html)
		}
	}
}

// browserSession finds the web session behind the browser's cookie.
func browserSession(t *testing.T, b context.Context, a *running) store.WebSession {
	t.Helper()
	var cookies []*network.Cookie
	err := chromedp.Run(b, chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		cookies, err = network.GetCookies().WithURLs([]string{a.URL()}).Do(ctx)
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	for _, ck := range cookies {
		if ck.Name == "statusphere_session" {
			sum := sha256.Sum256([]byte(ck.Value))
			ws, err := a.Store.WebSession(t.Context(), hex.EncodeToString(sum[:]), sessionNow())
			if err != nil {
				t.Fatalf("web session: %v", err)
			}
			return ws
		}
	}
	t.Fatal("the browser holds no session cookie")
	return store.WebSession{}
}

// TestPermissionSetFallback: a PDS that cannot resolve the permission set
// refuses the app's pushed authorization request (invalid_scope); the app
// asks again for the status record only, the user signs in, posts
// statuses, and the page says why notes are unavailable.
func TestPermissionSetFallback(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("alice"))
	a := startApp(t, n, dbFile(t))
	alice := n.Account("alice")
	c := login(t, n, a, alice)
	ws := webSessionOf(t, a, c)
	g, err := a.OAuth.Granted(t.Context(), ws.DID, ws.OAuthSessionID)
	if err != nil {
		t.Fatal(err)
	}
	if g.CanWriteNotes() || !g.CanWriteStatus() {
		t.Errorf("granted %q, want the status record only", g.Scopes)
	}
	if code, body := postJSON(t, c, a.URL()+"/status", `{"status":"🌻"}`); code != http.StatusOK {
		t.Fatalf("POST /status = %d: %s", code, body)
	}
	if _, body := get(t, c, a.URL()+"/"); !strings.Contains(body, `id="notes-unavailable"`) || strings.Contains(body, `name="note"`) {
		t.Errorf("the home page does not say notes are unavailable, or offers the note field:\n%.3000s", body)
	}
	// A note posted anyway is refused by the app, before the PDS sees it.
	if code, body := postJSON(t, c, a.URL()+"/status", `{"status":"🌻","note":"shipping today"}`); code != http.StatusForbidden || !strings.Contains(body, "Notes are unavailable") {
		t.Errorf("POST /status with a note = %d: %s, want 403 saying notes are unavailable", code, body)
	}
	if recs, err := alice.ListRecords(t.Context(), statusNSID); err != nil || len(recs) != 1 {
		t.Errorf("alice's statuses on the PDS: %d (%v), want 1 (the refused post wrote nothing)", len(recs), err)
	}
}
