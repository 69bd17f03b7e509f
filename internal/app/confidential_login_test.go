package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/atcrypto"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/statusphere/statusphere/internal/app"
	"github.com/statusphere/statusphere/internal/testnet"
)

// TestConfidentialClientLogin: the app published at an https name the PDS
// reaches is a confidential client: the PDS fetches its metadata and JWKS,
// and headless Chromium logs in through the PDS's real pages, with a
// private_key_jwt assertion on every PAR and token request. The key that
// will come next is published in the JWKS beforehand; after the rotation
// (the new key signs, the old one still listed) the existing session
// refreshes, signed with its own key, and a new login works with the new one.
func TestConfidentialClientLogin(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("alice", "bob"))
	oldKey, newKey := newClientKey(t), newClientKey(t)
	db := dbFile(t)
	rec := &assertionRecorder{next: n.HTTPClient.Transport}
	client := &http.Client{Transport: rec, Timeout: n.HTTPClient.Timeout}

	first := startPublished(t, n, db, oldKey+","+newKey, client)
	oldKID, nextKID := jwksKIDs(t, first)
	b := n.Browser(t)
	browserLogin(t, b, first.URL(), n.Account("alice"))
	rec.want(t, "the login", oldKID, "/oauth/par", "authorization_code")
	if code, body := get(t, http.DefaultClient, first.OpsURL()+"/metrics"); code != http.StatusOK ||
		!strings.Contains(body, `route="GET /oauth-client-metadata.json"`) || !strings.Contains(body, `route="GET /oauth/jwks.json"`) {
		t.Errorf("the PDS did not fetch the client metadata and the JWKS from the app (/metrics %d)", code)
	}
	setStatus(t, b, "🦋")
	first.stop()

	// Rotate: the new key signs, the old one is still listed.
	rotated := startPublished(t, n, db, newKey+","+oldKey, client)
	if signing, old := jwksKIDs(t, rotated); signing != nextKID || old != oldKID {
		t.Fatalf("after the rotation the JWKS lists %s, %s; want %s (signing), %s", signing, old, nextKID, oldKID)
	}
	expireAccessToken(t, b, rotated)
	setStatus(t, b, "🚀") // the PDS refuses the access token: the session refreshes
	rec.want(t, "the refresh after the rotation", oldKID, "refresh_token")
	if recs, err := n.Account("alice").ListRecords(t.Context(), statusNSID); err != nil || len(recs) != 2 {
		t.Errorf("alice's statuses on the PDS = %d (%v), want 2", len(recs), err)
	}

	runStep(t, b, "forget every cookie", network.ClearBrowserCookies())
	browserLogin(t, b, rotated.URL(), n.Account("bob"))
	rec.want(t, "a new login after the rotation", nextKID, "/oauth/par", "authorization_code")
}

// startPublished runs the app as a confidential client with keys (comma
// separated, signing first) at https://statusphere.apps.internal:<port>.
func startPublished(t *testing.T, n *testnet.Network, db, keys string, client *http.Client) *running {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	public, err := n.PublishApp("statusphere", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return startAppWith(t, n, []string{"-database-url", db, "-public-url", public, "-oauth-private-keys", keys},
		app.WithListener(ln), app.WithHTTPClient(client))
}

func newClientKey(t *testing.T) string {
	k, err := atcrypto.GeneratePrivateKeyP256()
	if err != nil {
		t.Fatal(err)
	}
	return k.Multibase()
}

// jwksKIDs are the key IDs of the app's JWKS: the signing key's, then the
// other one's.
func jwksKIDs(t *testing.T, a *running) (string, string) {
	t.Helper()
	w := httptest.NewRecorder()
	a.Web.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/oauth/jwks.json", nil))
	var set struct {
		Keys []struct {
			KID string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &set); err != nil || len(set.Keys) != 2 {
		t.Fatalf("JWKS %s: want two keys", w.Body)
	}
	return set.Keys[0].KID, set.Keys[1].KID
}

// browserLogin logs acct in at the app through the PDS's sign-in and
// consent pages.
func browserLogin(t *testing.T, b context.Context, appURL string, acct *testnet.Account) {
	t.Helper()
	steps := []struct {
		name    string
		actions []chromedp.Action
	}{
		{"the app's home, logged out", []chromedp.Action{
			chromedp.Navigate(appURL + "/"),
			chromedp.WaitVisible(`input[name="handle"]`),
			chromedp.SendKeys(`input[name="handle"]`, acct.Handle.String()),
			chromedp.Submit(`input[name="handle"]`),
		}},
		{"the PDS's sign-in page", []chromedp.Action{
			chromedp.WaitVisible(`input[type="password"]`),
			chromedp.SendKeys(`input[type="password"]`, acct.Password),
			chromedp.Click(`button[type="submit"]`),
		}},
		{"the PDS's consent page", []chromedp.Action{
			chromedp.WaitVisible(`//button[@type="submit" and contains(., "Authorize")]`),
			chromedp.Click(`//button[@type="submit" and contains(., "Authorize")]`),
		}},
		{"back at the app, logged in", []chromedp.Action{chromedp.WaitVisible(`#greeting`)}},
	}
	for _, s := range steps {
		runStep(t, b, s.name, s.actions...)
	}
}

// setStatus clicks an emoji and waits until the page shows it as set.
func setStatus(t *testing.T, b context.Context, emoji string) {
	t.Helper()
	runStep(t, b, "set "+emoji,
		chromedp.Click(`button.status-option[value="`+emoji+`"]`),
		chromedp.WaitVisible(`button.status-option.selected[value="`+emoji+`"]`))
}

func runStep(t *testing.T, b context.Context, name string, actions ...chromedp.Action) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b, 30*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		var loc, html string
		chromedp.Run(b, chromedp.Location(&loc), chromedp.OuterHTML("body", &html)) //nolint:errcheck // diagnostics only
		t.Fatalf("step %q: %v\nat %s\n%.3000s", name, err, loc, html)
	}
}

// expireAccessToken spoils the stored access token of the browser's
// session, so that the PDS refuses it and the app refreshes the session.
func expireAccessToken(t *testing.T, b context.Context, a *running) {
	t.Helper()
	var cookies []*network.Cookie
	if err := chromedp.Run(b, chromedp.ActionFunc(func(ctx context.Context) (err error) {
		cookies, err = network.GetCookies().WithURLs([]string{a.URL()}).Do(ctx)
		return err
	})); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for _, ck := range cookies {
		if ck.Name != "statusphere_session" {
			continue
		}
		sum := sha256.Sum256([]byte(ck.Value))
		ws, err := a.Store.WebSession(ctx, hex.EncodeToString(sum[:]), sessionNow())
		if err != nil {
			t.Fatalf("web session: %v", err)
		}
		raw, err := a.Store.OAuthSession(ctx, ws.DID, ws.OAuthSessionID)
		if err != nil {
			t.Fatal(err)
		}
		var sd map[string]any
		if err := json.Unmarshal(raw, &sd); err != nil {
			t.Fatal(err)
		}
		tok := sd["access_token"].(string)
		sd["access_token"] = tok[:len(tok)-4] + "AAAA" // a bad signature: the PDS answers invalid_token
		raw, _ = json.Marshal(sd)
		if err := a.Store.SaveOAuthSession(ctx, ws.DID, ws.OAuthSessionID, raw); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatal("the browser holds no session cookie for the app")
}

// assertionRecorder records the client authentication of the requests the
// app sends to the PDS's PAR and token endpoints.
type assertionRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen []clientAuth
}

// clientAuth is one PAR or token request's client authentication.
type clientAuth struct {
	what          string // "/oauth/par", or the token request's grant_type
	assertionType string
	kid           string // of the client_assertion JWT
}

func (r *assertionRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	path := req.URL.Path
	if req.Method == http.MethodPost && (strings.HasSuffix(path, "/oauth/par") || strings.HasSuffix(path, "/oauth/token")) && req.Body != nil {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		ca := clientAuth{what: form.Get("grant_type"), assertionType: form.Get("client_assertion_type"), kid: jwtKID(form.Get("client_assertion"))}
		if strings.HasSuffix(path, "/oauth/par") {
			ca.what = "/oauth/par"
		}
		r.mu.Lock()
		r.seen = append(r.seen, ca)
		r.mu.Unlock()
	}
	return r.next.RoundTrip(req)
}

// want checks that the requests seen since the last call are whats (a
// request repeated at once, as after a use_dpop_nonce answer, counts once),
// each authenticated by private_key_jwt with key kid.
func (r *assertionRecorder) want(t *testing.T, during, kid string, whats ...string) {
	t.Helper()
	r.mu.Lock()
	seen := r.seen
	r.seen = nil
	r.mu.Unlock()
	var got []string
	for i, ca := range seen {
		if i == 0 || ca.what != seen[i-1].what {
			got = append(got, ca.what)
		}
		if ca.assertionType != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" || ca.kid != kid {
			t.Errorf("%s: request %d = %+v, want a jwt-bearer client assertion by key %s", during, i, ca, kid)
		}
	}
	if strings.Join(got, " ") != strings.Join(whats, " ") {
		t.Fatalf("%s: requests %+v, want %v", during, seen, whats)
	}
}

// jwtKID is the kid of a JWT's header, "" if it has none.
func jwtKID(jwt string) string {
	head, _, _ := strings.Cut(jwt, ".")
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return ""
	}
	var h struct {
		KID string `json:"kid"`
	}
	json.Unmarshal(b, &h) //nolint:errcheck // "" when it is not JSON
	return h.KID
}
