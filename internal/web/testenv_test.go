package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/atclient"
	"github.com/bluesky-social/indigo/atproto/auth/oauth"
	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"

	"github.com/statusphere/statusphere"
	ourid "github.com/statusphere/statusphere/internal/identity"
	"github.com/statusphere/statusphere/internal/lexicon"
	ouroauth "github.com/statusphere/statusphere/internal/oauth"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/store/storetest"
)

// The test accounts: alice logs in; bob only posts.
const (
	aliceDID  = syntax.DID("did:plc:alice000000000000000000")
	bobDID    = syntax.DID("did:plc:bob00000000000000000000")
	fakePDS   = "https://pds.example"
	authorize = "https://auth.example/oauth/authorize?client_id=app&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Areq-1"
)

// testEnv is a Server on a real SQLite store in t.TempDir(), the real
// lexicon catalog and identity resolver over a mock directory, and fakes for
// the OAuth client and the PDS. Nothing leaves the process.
type testEnv struct {
	s       *Server
	st      *store.Store
	auth    *fakeAuth
	records *fakeRecords
	dir     *identity.MockDirectory
	logs    *logBuffer
}

// newTestEnv builds a testEnv; edit changes the Deps before New.
func newTestEnv(tb testing.TB, edit ...func(*Deps)) *testEnv {
	tb.Helper()
	cat, err := lexicon.Load(statusphere.Lexicons)
	if err != nil {
		tb.Fatal(err)
	}
	e := &testEnv{st: storetest.SQLite(tb), auth: &fakeAuth{}, records: &fakeRecords{names: map[syntax.DID]string{}}, dir: identity.NewMockDirectory(), logs: &logBuffer{}}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, acct := range []struct {
		did    syntax.DID
		handle syntax.Handle
	}{{aliceDID, "alice.test"}, {bobDID, "bob.test"}} {
		e.dir.Insert(identity.Identity{DID: acct.did, Handle: acct.handle, Services: map[string]identity.ServiceEndpoint{
			"atproto_pds": {Type: "AtprotoPersonalDataServer", URL: fakePDS},
		}})
	}
	d := Deps{
		Store: e.st, Auth: e.auth, Records: e.records, Identities: ourid.NewResolver(e.dir, e.st, log),
		Lexicons: cat, Log: log,
	}
	for _, f := range edit {
		f(&d)
	}
	e.s, err = New(d)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// newTestServer builds a Server on st with fakes for everything that would
// make a call.
func newTestServer(tb testing.TB, st *store.Store) *Server {
	tb.Helper()
	return newTestEnv(tb, func(d *Deps) { d.Store = st }).s
}

// do serves req and returns the recorded response.
func (e *testEnv) do(req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.s.ServeHTTP(w, req)
	return w
}

// session creates a web session for did and returns its cookie value.
func (e *testEnv) session(tb testing.TB, did syntax.DID) string {
	tb.Helper()
	cookie := sessionCookie(did)
	now := time.Now().UTC()
	if err := e.st.CreateWebSession(tb.Context(), store.WebSession{
		ID: sessionKey(cookie), DID: did, OAuthSessionID: "oauth-" + did.String(), CreatedAt: now, ExpiresAt: now.Add(time.Hour),
	}); err != nil {
		tb.Fatal(err)
	}
	return cookie
}

// sessionCookie is the cookie value session creates for did.
func sessionCookie(did syntax.DID) string {
	return "test-session-" + strings.Repeat("x", 20) + did.String()
}

// hasSession reports whether did's test session is still stored.
func (e *testEnv) hasSession(tb testing.TB, did syntax.DID) bool {
	tb.Helper()
	_, err := e.st.WebSession(tb.Context(), sessionKey(sessionCookie(did)), time.Now().UTC())
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		tb.Fatal(err)
	}
	return err == nil
}

// addStatus stores a status as the ingester would.
func (e *testEnv) addStatus(tb testing.TB, did syntax.DID, rkey, emoji string, at time.Time) store.Status {
	tb.Helper()
	row := store.Status{
		URI: syntax.ATURI("at://" + did.String() + "/xyz.statusphere.status/" + rkey), AuthorDID: did, RKey: syntax.RecordKey(rkey),
		Status: emoji, CID: "bafy" + rkey, Record: []byte(`{}`), CreatedAt: at, IndexedAt: at,
	}
	if err := e.st.UpsertStatus(tb.Context(), row); err != nil {
		tb.Fatal(err)
	}
	return row
}

// request builds a request from a client at 192.0.2.1, with cookie when
// non-empty; a string body is sent as a form unless it looks like JSON.
func request(method, target, body, cookie string) *http.Request {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	req.RemoteAddr = "192.0.2.1:4000"
	if body != "" {
		if strings.HasPrefix(body, "{") {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: cookieName, Value: cookie})
	}
	return req
}

// fakeAuth is the OAuth client: it records what it is asked and answers
// as configured.
type fakeAuth struct {
	mu           sync.Mutex
	starts       []string      // identifiers StartLogin was called with
	startErr     error         // StartLogin's error
	startGate    chan struct{} // when set, StartLogin waits for it
	finishErr    error         // FinishLogin's error (else it logs alice in)
	logouts      []syntax.DID
	logoutErr    error
	sessionErr   error // WithSession's error
	confidential bool
	granted      []string // Granted's scopes; nil: what the app asks for
	grants       int      // Granted calls
}

func (f *fakeAuth) StartLogin(ctx context.Context, identifier string) (string, error) {
	f.mu.Lock()
	f.starts = append(f.starts, identifier)
	gate, err := f.startGate, f.startErr
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	if err != nil {
		return "", err
	}
	return authorize, nil
}

func (f *fakeAuth) StartSignup(ctx context.Context, pds string) (string, error) {
	return f.StartLogin(ctx, "signup:"+pds)
}

func (f *fakeAuth) startCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.starts)
}

// FinishLogin behaves as package oauth's: an error parameter becomes a
// LoginError that repeats what the authorization server said.
func (f *fakeAuth) FinishLogin(ctx context.Context, query url.Values, requestURI string) (syntax.DID, string, error) {
	if e := query.Get("error"); e != "" {
		return "", "", &ouroauth.LoginError{Msg: "Sign-in failed: " + e + " (" + query.Get("error_description") + ")"}
	}
	if f.finishErr != nil {
		return "", "", f.finishErr
	}
	if requestURI != ouroauth.RequestURI(authorize) {
		return "", "", &ouroauth.LoginError{Msg: "This sign-in was started in another browser. Please log in again here."}
	}
	return aliceDID, "oauth-session-1", nil
}

func (f *fakeAuth) Logout(ctx context.Context, did syntax.DID, sessionID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logouts = append(f.logouts, did)
	return f.logoutErr
}

func (f *fakeAuth) WithSession(ctx context.Context, did syntax.DID, sessionID string, fn func(api *atclient.APIClient, host string) error) error {
	if f.sessionErr != nil {
		return f.sessionErr
	}
	return fn(atclient.NewAPIClient(fakePDS), fakePDS)
}

func (f *fakeAuth) IsConfidential() bool { return f.confidential }

func (f *fakeAuth) Granted(ctx context.Context, did syntax.DID, sessionID string) (ouroauth.Grant, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.grants++
	if f.sessionErr != nil {
		return ouroauth.Grant{}, f.sessionErr
	}
	if f.granted == nil {
		return ouroauth.Grant{Scopes: ouroauth.Scopes("")}, nil
	}
	return ouroauth.Grant{Scopes: f.granted}, nil
}

func (f *fakeAuth) Metadata() oauth.ClientMetadata {
	return oauth.ClientMetadata{ClientID: "https://app.example/oauth-client-metadata.json", Scope: "atproto"}
}

func (f *fakeAuth) JWKS() oauth.JWKS { return oauth.JWKS{} }

// fakeRecords is the PDS: it keeps what is written and knows display names.
type fakeRecords struct {
	mu        sync.Mutex
	created   []createdRecord
	createErr error
	names     map[syntax.DID]string
	nameErr   error // DisplayName's answer when set (the PDS is down)
	nameReads int
}

type createdRecord struct {
	repo       syntax.DID
	collection syntax.NSID
	rkey       syntax.RecordKey
	json       string
	batch      bool // written by CreateRecords (one applyWrites)
}

func (f *fakeRecords) CreateRecord(ctx context.Context, api *atclient.APIClient, repo syntax.DID, collection syntax.NSID, rkey syntax.RecordKey, record any) (Written, error) {
	if api == nil {
		return Written{}, errors.New("no API client")
	}
	if f.createErr != nil {
		return Written{}, f.createErr
	}
	b, err := json.Marshal(record)
	if err != nil {
		return Written{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.created = append(f.created, createdRecord{repo: repo, collection: collection, rkey: rkey, json: string(b)})
	uri := fmt.Sprintf("at://%s/%s/%s", repo, collection, rkey)
	return Written{URI: syntax.ATURI(uri), CID: fmt.Sprintf("bafyfake%d", len(f.created))}, nil
}

// CreateRecords records every create as CreateRecord does, all or none,
// and answers real CIDs (of the JSON), so views built on them validate.
func (f *fakeRecords) CreateRecords(ctx context.Context, api *atclient.APIClient, repo syntax.DID, creates []RecordCreate) ([]Written, error) {
	if api == nil {
		return nil, errors.New("no API client")
	}
	if f.createErr != nil {
		return nil, f.createErr
	}
	out := make([]Written, len(creates))
	recs := make([]createdRecord, len(creates))
	for i, c := range creates {
		b, err := json.Marshal(c.Record)
		if err != nil {
			return nil, err
		}
		recs[i] = createdRecord{repo: repo, collection: c.Collection, rkey: c.RKey, json: string(b), batch: true}
		out[i] = Written{URI: syntax.ATURI(fmt.Sprintf("at://%s/%s/%s", repo, c.Collection, c.RKey)), CID: fakeCID(b)}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.created = append(f.created, recs...)
	return out, nil
}

// fakeCID is a well-formed CID (dag-cbor, sha2-256) of b.
func fakeCID(b []byte) string {
	sum, err := multihash.Sum(b, multihash.SHA2_256, -1)
	if err != nil {
		panic(err)
	}
	return cid.NewCidV1(cid.DagCBOR, sum).String()
}

func (f *fakeRecords) writes() []createdRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]createdRecord(nil), f.created...)
}

func (f *fakeRecords) DisplayName(ctx context.Context, host string, did syntax.DID) (string, error) {
	if host != fakePDS {
		return "", fmt.Errorf("unexpected PDS %s", host)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nameReads++
	if f.nameErr != nil {
		return "", f.nameErr
	}
	return f.names[did], nil
}

// logBuffer collects log lines, safe for concurrent handlers.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// errorLines returns the lines logged at ERROR.
func (b *logBuffer) errorLines() []string {
	var out []string
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.Contains(line, "level=ERROR") {
			out = append(out, line)
		}
	}
	return out
}
