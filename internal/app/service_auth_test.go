package app_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/atcrypto"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/gen/org/gostatusphere"
	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/testnet"
)

// The app's public name in TestServiceAuthViewer, and so its service DID.
const (
	viewerAppURL = "https://statusphere.example.com"
	viewerAppDID = "did:web:statusphere.example.com"
)

// TestServiceAuthViewer: org.gostatusphere.getViewerStatus accepts a token
// the real PDS minted with com.atproto.server.getServiceAuth for the app's
// service DID and the method, and answers with the caller's status; a token
// for another audience, for another method, expired, or signed by another
// account's key is refused with 401 and an XRPC error.
func TestServiceAuthViewer(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("alice", "bob"))
	key, err := atcrypto.GeneratePrivateKeyP256()
	if err != nil {
		t.Fatal(err)
	}
	a := startAppArgs(t, n, dbFile(t), []string{"-public-url", viewerAppURL, "-oauth-private-key", key.Multibase()})
	alice, bob := n.Account("alice"), n.Account("bob")
	ref, err := alice.CreateRecord(t.Context(), statusNSID, "", statusRecord("🦋"), nil)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Minute, "alice's status to be ingested", func() bool {
		st, err := a.Store.LatestStatus(t.Context(), alice.DID)
		return err == nil && st.URI == ref.URI
	})

	var doc struct {
		ID      string `json:"id"`
		Service []struct{ ID, Type, ServiceEndpoint string }
	}
	getJSONFrom(t, a.local+"/.well-known/did.json", &doc)
	if doc.ID != viewerAppDID || len(doc.Service) != 1 || doc.Service[0].ID != "#statusphere_appview" || doc.Service[0].ServiceEndpoint != viewerAppURL {
		t.Errorf("did.json = %+v", doc)
	}

	lxm := gostatusphere.GetViewerStatusNSID
	status, body := callViewer(t, a, mint(t, alice, viewerAppDID, lxm, 0))
	if status != http.StatusOK {
		t.Fatalf("a token from alice's PDS: %d %s", status, body)
	}
	if err := appCatalog(t).ValidateOutputJSON(lexicon.GetViewerStatusNSID, []byte(body)); err != nil {
		t.Fatalf("the answer does not validate against its lexicon: %v\n%s", err, body)
	}
	var out struct {
		Viewer string    `json:"viewer"`
		Status *viewJSON `json:"status"` // the one status view, org.gostatusphere.defs#statusView
	}
	var rec struct{ Status string }
	if err := json.Unmarshal([]byte(body), &out); err != nil || out.Viewer != alice.DID.String() || out.Status == nil ||
		out.Status.URI.String() != ref.URI.String() || out.Status.CID != ref.CID || out.Status.Author.DID != alice.DID ||
		json.Unmarshal(out.Status.Status, &rec) != nil || rec.Status != "🦋" {
		t.Errorf("answer %s (%v), want alice's 🦋 %s", body, err, ref.URI)
	}
	if status, body := callViewer(t, a, mint(t, alice, viewerAppDID+"#statusphere_appview", lxm, 0)); status != http.StatusOK {
		t.Errorf("a token for the service reference: %d %s", status, body)
	}

	soon := time.Now().Add(2 * time.Second).Unix()
	expiring := mint(t, alice, viewerAppDID, lxm, soon)
	forged := forgeIssuer(t, mint(t, bob, viewerAppDID, lxm, 0), alice.DID)
	refusals := map[string]string{
		"wrong audience":        mint(t, alice, "did:web:other.example.com", lxm, 0),
		"wrong method":          mint(t, alice, viewerAppDID, "org.gostatusphere.getTimeline", 0),
		"another account's key": forged,
		"no token":              "",
	}
	for name, tok := range refusals {
		wantRefused(t, a, name, tok)
	}
	// The validator allows a few seconds of clock skew past exp.
	time.Sleep(time.Until(time.Unix(soon, 0).Add(7 * time.Second)))
	wantRefused(t, a, "expired", expiring)
}

// mint asks acct's PDS for a service-auth token (exp 0: the PDS's default).
func mint(t *testing.T, acct *testnet.Account, aud, lxm string, exp int64) string {
	t.Helper()
	params := map[string]any{"aud": aud, "lxm": lxm}
	if exp != 0 {
		params["exp"] = exp
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := acct.Session().Get(t.Context(), "com.atproto.server.getServiceAuth", params, &out); err != nil || out.Token == "" {
		t.Fatalf("getServiceAuth for %s (aud %s, lxm %s): %v", acct.Handle, aud, lxm, err)
	}
	return out.Token
}

// forgeIssuer rewrites the token's iss to did, keeping the signature of
// the key that signed it.
func forgeIssuer(t *testing.T, token string, did syntax.DID) string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWT", token)
	}
	claims := decodeSegment(t, parts[1])
	claims["iss"] = did.String()
	return parts[0] + "." + encodeSegment(t, claims) + "." + parts[2]
}

// callViewer calls getViewerStatus with token ("" sends none).
func callViewer(t *testing.T, a *running, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, a.local+"/xrpc/"+gostatusphere.GetViewerStatusNSID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	if _, err := io.Copy(&b, resp.Body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b.String()
}

// wantRefused wants 401 and an XRPC error body for token.
func wantRefused(t *testing.T, a *running, name, token string) {
	t.Helper()
	status, body := callViewer(t, a, token)
	var xe struct{ Error, Message string }
	if status != http.StatusUnauthorized || json.Unmarshal([]byte(body), &xe) != nil || xe.Error == "" || xe.Message == "" {
		t.Errorf("%s: %d %s, want 401 with an XRPC error", name, status, body)
		return
	}
	t.Logf("%s: 401 %s: %s", name, xe.Error, xe.Message)
}

// getJSONFrom GETs u and decodes its JSON answer into out.
func getJSONFrom(t *testing.T, u string, out any) {
	t.Helper()
	status, body := get(t, http.DefaultClient, u)
	if status != http.StatusOK {
		t.Fatalf("GET %s = %d: %s", u, status, body)
	}
	if err := json.Unmarshal([]byte(body), out); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

// decodeSegment decodes a JWT segment's JSON.
func decodeSegment(t *testing.T, seg string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// encodeSegment encodes m as a JWT segment.
func encodeSegment(t *testing.T, m map[string]any) string {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
