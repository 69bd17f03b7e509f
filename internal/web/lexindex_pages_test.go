package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/collection"
	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/lexindex"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/store/storetest"
)

const (
	authorDID = syntax.DID("did:plc:authorauthorauthorauthor")
	copierDID = syntax.DID("did:plc:copiercopiercopiercopier")
)

// seedLexicons stores schema records as the collection handler would:
// com.example.post by its authority (two versions, the second breaking)
// and by another DID, com.example.tag (used by the post), and a query.
func seedLexicons(t *testing.T, st *store.Store) {
	t.Helper()
	doc := func(id, defs string) string {
		return `{"$type":"com.atproto.lexicon.schema","lexicon":1,"id":"` + id + `","defs":{` + defs + `}}`
	}
	post := func(props, required string) string {
		return doc("com.example.post", `"main":{"type":"record","key":"tid","record":{"type":"object","required":[`+required+`],"properties":{`+props+`}}}`)
	}
	v1 := post(`"text":{"type":"string"},"tag":{"type":"ref","ref":"com.example.tag"}`, `"text"`)
	v2 := post(`"text":{"type":"string"},"lang":{"type":"string"},"tag":{"type":"ref","ref":"com.example.tag"}`, `"text","lang"`)
	tag := doc("com.example.tag", `"main":{"type":"object","required":["name"],"properties":{"name":{"type":"string","maxLength":8}}}`)
	query := doc("com.example.getPost", `"main":{"type":"query","parameters":{"type":"params","required":["uri"],"properties":{"uri":{"type":"string","format":"at-uri"}}},
		"output":{"encoding":"application/json","schema":{"type":"ref","ref":"com.example.tag"}},"errors":[{"name":"PostNotFound"}]}`)
	for i, r := range []struct {
		did           syntax.DID
		rkey, js, cid string
	}{
		{authorDID, "com.example.post", v1, "bafyv1"}, {authorDID, "com.example.post", v2, "bafyv2"},
		{authorDID, "com.example.tag", tag, "bafytag"}, {authorDID, "com.example.getPost", query, "bafyquery"},
		{copierDID, "com.example.post", v1, "bafycopy"},
	} {
		rec := collection.Record{DID: r.did, Collection: collection.LexiconSchemaNSID, RKey: syntax.RecordKey(r.rkey), CID: r.cid,
			Rev: "3aaa00000000" + string(rune('a'+i)), JSON: []byte(r.js), IndexedAt: time.Now().UTC()}
		row, v, refs, invalid := collection.LexiconVersion(rec)
		if invalid != nil {
			t.Fatalf("%s: %v", r.rkey, invalid)
		}
		if err := st.InTx(t.Context(), func(tx *store.Tx) error { _, err := tx.PutLexiconVersion(t.Context(), row, v, refs); return err }); err != nil {
			t.Fatal(err)
		}
	}
	err := st.SetLexiconAuthority(t.Context(), store.LexiconAuthority{Authority: "example.com", DID: authorDID, State: store.AuthorityFound, CheckedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
}

func lexEnv(t *testing.T) *testEnv {
	st := storetest.SQLite(t)
	seedLexicons(t, st)
	return newTestEnv(t, func(d *Deps) { d.Store = st; d.LexIndex = lexindex.New(st).WithFetcher(fakeFetcher{}) })
}

// fakeFetcher serves one record, at fetchedURI.
type fakeFetcher struct{}

const fetchedURI = "at://did:plc:copiercopiercopiercopier/com.example.post/3aaa"

func (fakeFetcher) FetchRecord(_ context.Context, uri syntax.ATURI) (*lexicon.Record, error) {
	if uri != fetchedURI {
		return nil, errors.New("record not found")
	}
	return &lexicon.Record{URI: uri, CID: "bafyrec", Value: []byte(`{"$type":"com.example.post","text":"hi"}`)}, nil
}

func bodyOf(t *testing.T, e *testEnv, req *http.Request, want int) string {
	t.Helper()
	w := e.do(req)
	if w.Code != want {
		t.Fatalf("%s %s = %d, want %d: %s", req.Method, req.URL, w.Code, want, w.Body)
	}
	return w.Body.String()
}

func wantAll(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(body, want) {
			t.Errorf("%s lacks %q", what, want)
		}
	}
}

// TestLexiconIndexPages: the index, search by prefix, browse by
// authority, the schema page (verdicts, versions, references both ways,
// every def kind), the diff and the validate box, and the app's own
// schemas still documented.
func TestLexiconIndexPages(t *testing.T) {
	e := lexEnv(t)
	body := bodyOf(t, e, httptest.NewRequest("GET", "/lexicons?q=com.example.p", nil), 200)
	wantAll(t, "index", body, "3 NSIDs", "4 records", "5 versions", "1 authorities", `href="/lexicons?authority=example.com"`,
		"publisher "+authorDID.String(), `<a href="/lexicons/com.example.post?uri=at%3a%2f%2f`+strings.ReplaceAll(authorDID.String(), ":", "%3a"), "not the authority",
		`data-field="status"`, "A user&#39;s current status")
	if results := regexp.MustCompile(`(?s)<div class="card" id="results">.*?</div>`).FindString(body); strings.Contains(results, "com.example.tag") {
		t.Errorf("search for com.example.p lists com.example.tag:\n%s", results)
	}
	body = bodyOf(t, e, httptest.NewRequest("GET", "/lexicons?authority=example.com", nil), 200)
	wantAll(t, "authority page", body, "com.example.tag", "com.example.getPost")

	body = bodyOf(t, e, httptest.NewRequest("GET", "/lexicons/com.example.post", nil), 200)
	wantAll(t, "schema page", body, `id="verdict">authoritative`, "not the authority", "breaking", "bafyv1", "bafyv2",
		`<a href="/lexicons/com.example.tag">com.example.tag</a>`, `data-field="lang"`, "Raw JSON")
	diff := regexp.MustCompile(`href="(/lexicons/com.example.post/diff\?[^"]+)"`).FindStringSubmatch(body)
	if diff == nil {
		t.Fatal("no diff link on the schema page")
	}
	body = bodyOf(t, e, httptest.NewRequest("GET", strings.ReplaceAll(diff[1], "&amp;", "&"), nil), 200)
	wantAll(t, "diff", body, `<span class="verdict breaking">breaking</span>`, `<code class="add">&#43;           &#34;lang&#34;: {</code>`)

	body = bodyOf(t, e, httptest.NewRequest("GET", "/lexicons/com.example.tag", nil), 200)
	wantAll(t, "tag page", body, `id="used-by"`, `<a href="/lexicons/com.example.post?uri=at%3a%2f%2f`+strings.ReplaceAll(authorDID.String(), ":", "%3a"), "maxLength: 8")
	body = bodyOf(t, e, httptest.NewRequest("GET", "/lexicons/com.example.getPost", nil), 200)
	wantAll(t, "query page", body, "parameter uri: string (required) [format: at-uri]", "output: application/json ref com.example.tag", "error PostNotFound")
	body = bodyOf(t, e, httptest.NewRequest("GET", "/lexicons/xyz.statusphere.status", nil), 200)
	wantAll(t, "app schema page", body, "This app's own schema", `data-field="status"`)
	bodyOf(t, e, httptest.NewRequest("GET", "/lexicons/com.example.nothing", nil), 404)

	form := url.Values{"record": {`{"$type":"com.example.post","text":"hi","lang":"en","tag":{"name":"much too long"}}`}}
	req := httptest.NewRequest("POST", "/lexicons/com.example.post", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	body = bodyOf(t, e, req, 200)
	wantAll(t, "validate box", body, `<code class="path">tag.name</code>`)
	for uri, want := range map[string]string{fetchedURI: `<code class="path">lang</code>`, "at://did:plc:nobody/com.example.post/x": "Could not fetch"} {
		req := httptest.NewRequest("POST", "/lexicons/com.example.post", strings.NewReader(url.Values{"record": {uri}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		wantAll(t, "validate box given "+uri, bodyOf(t, e, req, 200), want)
	}
}

// TestLexiconXRPC: resolveLexicon (ETag, 304, LexiconNotFound for
// unknown and copies-only NSIDs) and validateRecord.
func TestLexiconXRPC(t *testing.T) {
	e := lexEnv(t)
	w := e.do(httptest.NewRequest("GET", "/xrpc/com.atproto.lexicon.resolveLexicon?nsid=com.example.post", nil))
	var got lexindex.Resolved
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != 200 || got.CID != "bafyv2" ||
		got.URI != collection.URI(authorDID, collection.LexiconSchemaNSID, "com.example.post") || w.Header().Get("ETag") != `"bafyv2"` {
		t.Fatalf("resolve = %d %s ETag %q", w.Code, w.Body, w.Header().Get("ETag"))
	}
	req := httptest.NewRequest("GET", "/xrpc/com.atproto.lexicon.resolveLexicon?nsid=com.example.post", nil)
	req.Header.Set("If-None-Match", `"bafyv2"`)
	if w := e.do(req); w.Code != 304 || w.Body.Len() != 0 {
		t.Errorf("resolve with a matching If-None-Match = %d %q, want an empty 304", w.Code, w.Body)
	}
	req.Header.Set("If-None-Match", `"bafyv1"`)
	if w := e.do(req); w.Code != 200 {
		t.Errorf("resolve with a stale If-None-Match = %d, want 200", w.Code)
	}
	for _, nsid := range []string{"com.example.nothing", "not-an-nsid"} {
		w := e.do(httptest.NewRequest("GET", "/xrpc/com.atproto.lexicon.resolveLexicon?nsid="+nsid, nil))
		if w.Code != 400 || !strings.Contains(w.Body.String(), `"error":"`) {
			t.Errorf("resolve %s = %d %s", nsid, w.Code, w.Body)
		}
	}
	for in, want := range map[string]string{
		`{"collection":"com.example.post","record":{"$type":"com.example.post","text":"hi","lang":"en"}}`: `{"valid":true}`,
		`{"collection":"com.example.post","record":{"$type":"com.example.post","text":"hi"}}`:             `{"valid":false,"errors":[{"path":"lang","message":"required field is missing"}]}`,
		`{"collection":"com.example.nothing","record":{}}`:                                                `"error":"LexiconNotFound"`,
	} {
		req := httptest.NewRequest("POST", "/xrpc/org.gostatusphere.validateRecord", strings.NewReader(in))
		req.Header.Set("Content-Type", "application/json")
		if w := e.do(req); !strings.Contains(w.Body.String(), want) {
			t.Errorf("validateRecord %s = %d %s, want %s", in, w.Code, w.Body, want)
		}
	}
}
