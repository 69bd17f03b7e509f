package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/atcrypto"
	"github.com/bluesky-social/indigo/atproto/auth"
	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/syntax"

	gen "github.com/statusphere/statusphere/internal/gen/org/gostatusphere"
	"github.com/statusphere/statusphere/internal/lexicon"
)

const (
	appServiceDID = "did:web:app.example"
	appPublicURL  = "https://app.example"
)

// withService gives the server a public URL and its service DID.
func withService(d *Deps) { d.PublicURL, d.ServiceDID = appPublicURL, appServiceDID }

func didDocumentCases() []routeCase {
	return []routeCase{
		{name: "with_public_url", edit: withService, setup: get("/.well-known/did.json"),
			check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
				checkResponse(t, w, http.StatusOK)
				var doc didDocument
				if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
					t.Fatal(err)
				}
				if doc.ID != appServiceDID || len(doc.Service) != 1 || doc.Service[0].ID != "#statusphere_appview" ||
					doc.Service[0].Type != "StatusphereAppView" || doc.Service[0].ServiceEndpoint != appPublicURL {
					t.Errorf("did.json = %s", w.Body)
				}
			}},
		{name: "without_public_url", setup: get("/.well-known/did.json"), check: want(http.StatusNotFound)},
	}
}

// signer holds an account's signing key, published in its DID document in
// the test's directory.
type signer struct {
	did syntax.DID
	key atcrypto.PrivateKey
}

// newSigner gives did a fresh K-256 key in e's directory.
func newSigner(t *testing.T, e *testEnv, did syntax.DID, handle syntax.Handle) signer {
	t.Helper()
	key, err := atcrypto.GeneratePrivateKeyK256()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := key.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	e.dir.Insert(identity.Identity{DID: did, Handle: handle,
		Keys:     map[string]identity.VerificationMethod{"atproto": {Type: "Multikey", PublicKeyMultibase: pub.Multibase()}},
		Services: map[string]identity.ServiceEndpoint{"atproto_pds": {Type: "AtprotoPersonalDataServer", URL: fakePDS}},
	})
	return signer{did: did, key: key}
}

// token mints a service-auth JWT as iss, signed with s's key.
func (s signer) token(t *testing.T, iss syntax.DID, aud string, lxm syntax.NSID, ttl time.Duration) string {
	t.Helper()
	tok, err := auth.SignServiceAuth(iss, aud, ttl, &lxm, s.key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// viewerRequest asks for the viewer's status with the token mint returns
// ("" sends no Authorization header).
func viewerRequest(mint func(t *testing.T, e *testEnv) string) func(*testing.T, *testEnv) *http.Request {
	return func(t *testing.T, e *testEnv) *http.Request {
		req := request(http.MethodGet, "/xrpc/org.gostatusphere.getViewerStatus", "", "")
		if tok := mint(t, e); tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		return req
	}
}

// aliceToken mints alice's token for aud and lxm, after she posted 🦋 with
// a note.
func aliceToken(aud string, lxm syntax.NSID, ttl time.Duration) func(t *testing.T, e *testEnv) string {
	return func(t *testing.T, e *testEnv) string {
		e.addEntry(t, aliceDID, "3kaaaaaaaaaa2", "🦋", noteJSON, time.Now().UTC())
		return newSigner(t, e, aliceDID, "alice.test").token(t, aliceDID, aud, lxm, ttl)
	}
}

// xrpcRefused wants 401 with the XRPC error name.
func xrpcRefused(name string) func(*testing.T, *testEnv, *httptest.ResponseRecorder) {
	return func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
		t.Helper()
		checkResponse(t, w, http.StatusUnauthorized)
		var body struct{ Error, Message string }
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error != name || body.Message == "" {
			t.Errorf("body %s, want an XRPC error %s", w.Body, name)
		}
		if w.Header().Get("WWW-Authenticate") == "" {
			t.Error("no WWW-Authenticate challenge")
		}
	}
}

// viewerStatusCases are the cases of GET /xrpc/{nsid} for
// org.gostatusphere.getViewerStatus (service auth).
func viewerStatusCases() []routeCase {
	lxm := lexicon.GetViewerStatusNSID
	cases := []routeCase{
		{name: "accepted", edit: withService, setup: viewerRequest(aliceToken(appServiceDID, lxm, time.Minute)), check: wantViewerStatus("🦋")},
		{name: "accepted_for_the_service_ref", edit: withService,
			setup: viewerRequest(aliceToken(appServiceDID+"#statusphere_appview", lxm, time.Minute)), check: wantViewerStatus("🦋")},
		{name: "no_status_yet", edit: withService, setup: viewerRequest(func(t *testing.T, e *testEnv) string {
			return newSigner(t, e, bobDID, "bob.test").token(t, bobDID, appServiceDID, lxm, time.Minute)
		}), check: wantViewerStatus("")},
		{name: "no_token", edit: withService, setup: viewerRequest(func(*testing.T, *testEnv) string { return "" }), check: xrpcRefused("AuthMissing")},
		{name: "wrong_audience", edit: withService, setup: viewerRequest(aliceToken("did:web:other.example", lxm, time.Minute)), check: xrpcRefused("InvalidToken")},
		{name: "wrong_method", edit: withService, setup: viewerRequest(aliceToken(appServiceDID, "org.gostatusphere.getTimeline", time.Minute)), check: xrpcRefused("InvalidToken")},
		{name: "expired", edit: withService, setup: viewerRequest(aliceToken(appServiceDID, lxm, -time.Minute)), check: xrpcRefused("InvalidToken")},
		{name: "another_accounts_key", edit: withService, setup: viewerRequest(func(t *testing.T, e *testEnv) string {
			newSigner(t, e, aliceDID, "alice.test")
			bob := newSigner(t, e, bobDID, "bob.test")
			return bob.token(t, aliceDID, appServiceDID, lxm, time.Minute) // claims to be alice
		}), check: xrpcRefused("InvalidToken")},
		{name: "garbage", edit: withService, setup: viewerRequest(func(*testing.T, *testEnv) string { return "not.a.jwt" }), check: xrpcRefused("InvalidToken")},
		{name: "no_service_did", setup: viewerRequest(aliceToken(appServiceDID, lxm, time.Minute)), check: xrpcRefused("InvalidToken")},
	}
	for i := range cases {
		cases[i].name = "viewer_" + cases[i].name // beside the other queries' cases
	}
	return cases
}

// wantViewerStatus wants 200, an answer valid against getViewerStatus's
// output schema, with the viewer alice (her status emoji and its note,
// the one status view) or bob without a status (emoji "").
func wantViewerStatus(emoji string) func(*testing.T, *testEnv, *httptest.ResponseRecorder) {
	return func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
		t.Helper()
		var out gen.GetViewerStatusOutput
		xrpcOK(t, e, w, lexicon.GetViewerStatusNSID, &out)
		if emoji == "" {
			if out.Viewer != bobDID || out.Status != nil {
				t.Errorf("got %s, want bob without a status", w.Body)
			}
			return
		}
		if out.Viewer != aliceDID || out.Status == nil || out.Status.Uri.Authority().String() != aliceDID.String() ||
			out.Status.Author.Did != aliceDID || !strings.Contains(string(out.Status.Status), emoji) || string(out.Status.Note) != noteJSON {
			t.Errorf("got %s, want alice's status %s with its note", w.Body, emoji)
		}
	}
}
