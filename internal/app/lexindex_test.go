package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/app"
	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/lexindex"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/testnet"
)

const schemaCollection = "com.atproto.lexicon.schema"

// lexTXT answers _lexicon TXT lookups for the test: the system resolver
// is never asked (it drops concurrent queries on this machine).
type lexTXT map[string]syntax.DID

func (m lexTXT) lookup(_ context.Context, name string) ([]string, error) {
	did, ok := m[name]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	return []string{"did=" + did.String()}, nil
}

// schemaRecord is a com.atproto.lexicon.schema record of a record type
// nsid with props (JSON object members) and required (a JSON list body).
func schemaRecord(t *testing.T, nsid, props, required string) map[string]any {
	t.Helper()
	js := fmt.Sprintf(`{"$type":%q,"lexicon":1,"id":%q,"defs":{"main":{"type":"record","key":"tid","description":"test",
		"record":{"type":"object","required":[%s],"properties":{%s}}}}}`, schemaCollection, nsid, required, props)
	var m map[string]any
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// published is what the test's accounts publish and what the index must
// then hold.
type published struct {
	alice, bob, carol   *testnet.Account
	postV1, postV2, tag testnet.RecordRef
	bobCopy, bobOnly    testnet.RecordRef
	broken, gone        testnet.RecordRef
}

// publishSchemas: alice (the authority of test.lexagg) publishes
// test.lexagg.post twice (the second version breaking: a new required
// field) and test.lexagg.tag (an object it refers to); bob publishes a copy of test.lexagg.post and
// test.lexagg.bobonly (bob is no authority); carol publishes a document
// whose id is not its record key, and one schema she then deletes.
func publishSchemas(t *testing.T, n *testnet.Network) published {
	ctx := t.Context()
	p := published{alice: n.Account("alice"), bob: n.Account("bob"), carol: n.Account("carol")}
	no := new(bool)
	put := func(a *testnet.Account, rkey string, rec map[string]any) testnet.RecordRef {
		t.Helper()
		ref, err := a.PutRecord(ctx, schemaCollection, rkey, rec, no)
		if err != nil {
			t.Fatalf("publish %s as %s: %v", rkey, a.Handle, err)
		}
		return ref
	}
	post := "test.lexagg.post"
	tag := schemaRecord(t, "test.lexagg.tag", `"name":{"type":"string"}`, `"name"`)
	tag["defs"].(map[string]any)["main"] = tag["defs"].(map[string]any)["main"].(map[string]any)["record"] // an object
	p.tag = put(p.alice, "test.lexagg.tag", tag)
	p.postV1 = put(p.alice, post, schemaRecord(t, post, `"text":{"type":"string"},"tag":{"type":"ref","ref":"test.lexagg.tag"}`, `"text"`))
	p.bobCopy = put(p.bob, post, schemaRecord(t, post, `"text":{"type":"string"}`, `"text"`))
	p.bobOnly = put(p.bob, "test.lexagg.bobonly", schemaRecord(t, "test.lexagg.bobonly", `"a":{"type":"string"}`, ""))
	p.broken = put(p.carol, "test.lexagg.broken", schemaRecord(t, "test.lexagg.other", `"a":{"type":"string"}`, ""))
	p.gone = put(p.carol, "test.lexagg.gone", schemaRecord(t, "test.lexagg.gone", `"a":{"type":"string"}`, ""))
	p.postV2 = put(p.alice, post, schemaRecord(t, post,
		`"text":{"type":"string"},"lang":{"type":"string"},"tag":{"type":"ref","ref":"test.lexagg.tag"}`, `"text","lang"`))
	if err := p.carol.DeleteRecord(ctx, schemaCollection, "test.lexagg.gone"); err != nil {
		t.Fatal(err)
	}
	return p
}

// indexState describes the index in a comparable form.
func indexState(ctx context.Context, st *store.Store) (string, error) {
	x := lexindex.New(st)
	var b strings.Builder
	for _, nsid := range []syntax.NSID{"test.lexagg.post", "test.lexagg.tag", "test.lexagg.bobonly", "test.lexagg.broken", "test.lexagg.gone"} {
		res, err := x.Resolve(ctx, nsid)
		fmt.Fprintf(&b, "%s resolves to %s %s (%v)\n", nsid, res.URI, res.CID, errors.Is(err, lexindex.ErrNotFound))
		page, err := x.Schema(ctx, nsid, "")
		if errors.Is(err, lexindex.ErrNotFound) {
			fmt.Fprintf(&b, "  not indexed\n")
			continue
		}
		if err != nil {
			return "", err
		}
		for _, c := range page.Copies {
			fmt.Fprintf(&b, "  copy %s: %s deleted=%v invalid=%v\n", c.DID, c.Verdict(), c.Deleted, c.Invalid != "")
			vs, err := st.LexiconVersions(ctx, c.URI)
			if err != nil {
				return "", err
			}
			for _, v := range lexindex.Versions(vs) {
				fmt.Fprintf(&b, "    version %s deleted=%v breaking=%v compared=%v\n", v.CID, v.Deleted, v.Breaking, v.Previous != 0)
			}
		}
		var used []string
		for _, u := range page.UsedBy {
			used = append(used, u.NSID.String()+" by "+u.DID.String())
		}
		fmt.Fprintf(&b, "  used by %v\n", used)
	}
	return b.String(), nil
}

// wantIndex is the index state after publishSchemas: live (every version
// and the deletion seen on the stream) or from a backfill (only what the
// repositories hold now).
func wantIndex(p published, live bool) string {
	var b strings.Builder
	a, bo, c := p.alice.DID, p.bob.DID, p.carol.DID
	fmt.Fprintf(&b, "test.lexagg.post resolves to %s %s (false)\n", p.postV2.URI, p.postV2.CID)
	type copyOf struct {
		did     syntax.DID
		verdict string
		vs      []string
	}
	copies := []copyOf{
		{a, "authoritative", []string{p.postV1.CID + " deleted=false breaking=false compared=false", p.postV2.CID + " deleted=false breaking=true compared=true"}},
		{bo, "not the authority", []string{p.bobCopy.CID + " deleted=false breaking=false compared=false"}},
	}
	if !live { // the backfill sees the current version only
		copies[0].vs = []string{p.postV2.CID + " deleted=false breaking=false compared=false"}
	}
	slices.SortFunc(copies, func(x, y copyOf) int { return strings.Compare(x.did.String(), y.did.String()) }) // the index's order
	for _, cp := range copies {
		fmt.Fprintf(&b, "  copy %s: %s deleted=false invalid=false\n", cp.did, cp.verdict)
		for _, v := range cp.vs {
			fmt.Fprintf(&b, "    version %s\n", v)
		}
	}
	fmt.Fprintf(&b, "  used by []\n")
	fmt.Fprintf(&b, "test.lexagg.tag resolves to %s %s (false)\n", p.tag.URI, p.tag.CID)
	fmt.Fprintf(&b, "  copy %s: authoritative deleted=false invalid=false\n    version %s deleted=false breaking=false compared=false\n", a, p.tag.CID)
	fmt.Fprintf(&b, "  used by [test.lexagg.post by %s]\n", a)
	fmt.Fprintf(&b, "test.lexagg.bobonly resolves to   (true)\n")
	fmt.Fprintf(&b, "  copy %s: not the authority deleted=false invalid=false\n    version %s deleted=false breaking=false compared=false\n  used by []\n", bo, p.bobOnly.CID)
	fmt.Fprintf(&b, "test.lexagg.broken resolves to   (true)\n")
	fmt.Fprintf(&b, "  copy %s: not the authority deleted=false invalid=true\n    version %s deleted=false breaking=false compared=false\n  used by []\n", c, p.broken.CID)
	fmt.Fprintf(&b, "test.lexagg.gone resolves to   (true)\n")
	if live {
		fmt.Fprintf(&b, "  copy %s: not the authority deleted=true invalid=false\n    version %s deleted=false breaking=false compared=false\n    version  deleted=true breaking=false compared=false\n  used by []\n", c, p.gone.CID)
	} else {
		fmt.Fprintf(&b, "  not indexed\n")
	}
	return b.String()
}

// waitIndex waits until st's index is want, and fails showing the
// difference if it never is.
func waitIndex(t *testing.T, st *store.Store, want string) {
	t.Helper()
	var got string
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		var err error
		if got, err = indexState(t.Context(), st); err != nil {
			t.Fatal(err)
		}
		if got == want {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the index is\n%s\nwant\n%s", got, want)
}

// TestAggregatorIndexesPublishedLexicons: on the real local PDS, three
// accounts publish schemas; with _lexicon TXT answered by the test, the
// index, authority verdicts, versions and breaking-change verdicts are
// exactly right, from the live firehose and from a backfill started after
// the writes (which sees only what the repositories hold now).
func TestAggregatorIndexesPublishedLexicons(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("alice", "bob", "carol"))
	txt := lexTXT{"_lexicon.lexagg.test": n.Account("alice").DID}
	live := startApp(t, n, dbFile(t), app.WithLexiconTXT(txt.lookup))
	waitFor(t, 60*time.Second, "the ingester to connect", func() bool { return live.Ingester.Health().Connected })
	waitBackfilled(t, live.Store) // the first start's backfill found nothing: all comes from the stream
	p := publishSchemas(t, n)
	waitIndex(t, live.Store, wantIndex(p, true))
	c, err := live.Store.LexiconCounts(t.Context())
	if want := (store.LexiconCounts{NSIDs: 4, Records: 5, Versions: 8, Invalid: 1, Deleted: 1, Authorities: 1}); err != nil || c != want {
		t.Errorf("live counts %+v (%v), want %+v", c, err, want)
	}

	backfilled := startApp(t, n, dbFile(t), app.WithLexiconTXT(txt.lookup))
	waitBackfilled(t, backfilled.Store)
	waitIndex(t, backfilled.Store, wantIndex(p, false))
	if p := backfilled.Backfiller.Progress(); p.Failed != 0 || p.Done != 3 {
		t.Errorf("backfill progress %+v: want the 3 repositories done", p)
	}
}

// TestResolveLexiconXRPC: com.atproto.lexicon.resolveLexicon answers from
// the index with the authoritative version and its CID, LexiconNotFound
// for unknown and non-authoritative-only NSIDs, 304 on a matching
// If-None-Match, and agrees with lexicon resolution (`statusphere lex
// resolve`) against the same network.
func TestResolveLexiconXRPC(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("alice", "bob", "carol"))
	txt := lexTXT{"_lexicon.lexagg.test": n.Account("alice").DID}
	a := startApp(t, n, dbFile(t), app.WithLexiconTXT(txt.lookup))
	waitFor(t, 60*time.Second, "the ingester to connect", func() bool { return a.Ingester.Health().Connected })
	waitBackfilled(t, a.Store)
	p := publishSchemas(t, n)
	waitIndex(t, a.Store, wantIndex(p, true))
	c := newBrowserlessClient(t)
	u := a.URL() + "/xrpc/com.atproto.lexicon.resolveLexicon?nsid="

	resolver := &lexicon.Resolver{LookupTXT: txt.lookup, Directory: n.Directory(), HTTPClient: n.HTTPClient}
	for _, nsid := range []syntax.NSID{"test.lexagg.post", "test.lexagg.tag"} {
		resp, err := c.Get(u + nsid.String())
		if err != nil {
			t.Fatal(err)
		}
		var got lexindex.Resolved
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || resp.Header.Get("ETag") != `"`+got.CID+`"` {
			t.Fatalf("resolve %s: %d %+v ETag %q (%v)", nsid, resp.StatusCode, got, resp.Header.Get("ETag"), err)
		}
		want, err := resolver.Resolve(t.Context(), nsid)
		if err != nil {
			t.Fatalf("lex resolve %s: %v", nsid, err)
		}
		if got.URI != want.Record.URI || got.CID != want.Record.CID || !sameJSON(t, got.Schema, want.Record.Value) {
			t.Errorf("resolveLexicon %s = %s %s, lex resolve = %s %s", nsid, got.URI, got.CID, want.Record.URI, want.Record.CID)
		}
		if nsid == "test.lexagg.post" && got.CID != p.postV2.CID {
			t.Errorf("resolveLexicon %s answers %s, want the second version %s", nsid, got.CID, p.postV2.CID)
		}
		req := mustRequest(t, u+nsid.String())
		req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
		resp, err = c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 304 {
			t.Errorf("resolve %s with a matching If-None-Match: %d, want 304", nsid, resp.StatusCode)
		}
	}
	for _, nsid := range []string{"test.lexagg.nothing", "test.lexagg.bobonly", "test.lexagg.broken", "test.lexagg.gone"} {
		code, body := get(t, c, u+nsid)
		if code != 400 || !strings.Contains(body, `"error":"LexiconNotFound"`) {
			t.Errorf("resolve %s: %d %s, want 400 LexiconNotFound", nsid, code, body)
		}
	}
	if _, err := resolver.Resolve(t.Context(), "test.lexagg.nothing"); err == nil {
		t.Errorf("lex resolve test.lexagg.nothing succeeded; the index says LexiconNotFound")
	}

	// The validate box fetches a record given by AT-URI from its PDS.
	ref, err := p.bob.CreateRecord(t.Context(), "test.lexagg.post", "", map[string]any{"$type": "test.lexagg.post", "text": "hi"}, new(bool))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.PostForm(a.URL()+"/lexicons/test.lexagg.post", url.Values{"record": {ref.URI.String()}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `<code class="path">lang</code>`) {
		t.Errorf("validating %s by AT-URI: %d, no error at lang:\n%.2000s", ref.URI, resp.StatusCode, body)
	}
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return slices.Equal(ja, jb)
}

func mustRequest(t *testing.T, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
