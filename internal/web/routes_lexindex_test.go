package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/statusphere/statusphere/internal/lexindex"
	"github.com/statusphere/statusphere/internal/store"
)

// withLexIndex gives the Server the lexicon index on its test store (the
// lexicon routes exist only with it); lexRequest seeds that store.
func withLexIndex(d *Deps) {
	d.LexIndex = lexindex.New(d.Store.(*store.Store)).WithFetcher(fakeFetcher{})
}

// lexRequest seeds the index (seedLexicons) and builds the request.
func lexRequest(method, target, body string) func(*testing.T, *testEnv) *http.Request {
	return func(t *testing.T, e *testEnv) *http.Request {
		seedLexicons(t, e.st)
		return request(method, target, body, "")
	}
}

func lexiconSchemaCases() []routeCase {
	return []routeCase{
		{name: "authoritative", edit: withLexIndex, setup: lexRequest(http.MethodGet, "/lexicons/com.example.post", ""),
			check: want(http.StatusOK, `id="verdict">authoritative`, "bafyv2")},
		{name: "unknown_nsid", edit: withLexIndex, setup: lexRequest(http.MethodGet, "/lexicons/com.example.nothing", ""),
			check: want(http.StatusNotFound)},
		{name: "not_an_nsid", edit: withLexIndex, setup: lexRequest(http.MethodGet, "/lexicons/not-an-nsid", ""),
			check: want(http.StatusNotFound)},
	}
}

func lexiconValidateCases() []routeCase {
	return []routeCase{
		{name: "error_path", edit: withLexIndex, setup: lexRequest(http.MethodPost, "/lexicons/com.example.post",
			url.Values{"record": {`{"$type":"com.example.post","text":"hi"}`}}.Encode()),
			check: want(http.StatusOK, `<code class="path">lang</code>`)},
		{name: "cross_site", edit: withLexIndex, setup: func(t *testing.T, e *testEnv) *http.Request {
			return crossSite(lexRequest(http.MethodPost, "/lexicons/com.example.post", "record=%7B%7D")(t, e))
		}, check: want(http.StatusForbidden)},
	}
}

func lexiconDiffCases() []routeCase {
	return []routeCase{
		{name: "breaking", edit: withLexIndex, setup: func(t *testing.T, e *testEnv) *http.Request {
			seedLexicons(t, e.st)
			w := e.do(request(http.MethodGet, "/lexicons/com.example.post", "", ""))
			link := regexp.MustCompile(`href="(/lexicons/com.example.post/diff\?[^"]+)"`).FindStringSubmatch(w.Body.String())
			if link == nil {
				t.Fatalf("no diff link on the schema page:\n%.2000s", w.Body)
			}
			return request(http.MethodGet, strings.ReplaceAll(link[1], "&amp;", "&"), "", "")
		}, check: want(http.StatusOK, `<span class="verdict breaking">breaking</span>`)},
		{name: "missing_versions", edit: withLexIndex, setup: lexRequest(http.MethodGet, "/lexicons/com.example.post/diff", ""),
			check: want(http.StatusBadRequest)},
	}
}

func resolveLexiconCases() []routeCase {
	const path = "/xrpc/com.atproto.lexicon.resolveLexicon?nsid="
	return []routeCase{
		{name: "authoritative", edit: withLexIndex, setup: lexRequest(http.MethodGet, path+"com.example.post", ""),
			check: func(t *testing.T, _ *testEnv, w *httptest.ResponseRecorder) {
				checkResponse(t, w, http.StatusOK, `"cid":"bafyv2"`)
				if etag := w.Header().Get("ETag"); etag != `"bafyv2"` {
					t.Errorf("ETag %q, want the CID", etag)
				}
			}},
		{name: "not_modified", edit: withLexIndex, setup: func(t *testing.T, e *testEnv) *http.Request {
			req := lexRequest(http.MethodGet, path+"com.example.post", "")(t, e)
			req.Header.Set("If-None-Match", `"bafyv2"`)
			return req
		}, check: want(http.StatusNotModified)},
		{name: "not_found", edit: withLexIndex, setup: lexRequest(http.MethodGet, path+"com.example.nothing", ""),
			check: want(http.StatusBadRequest, `"error":"LexiconNotFound"`)},
	}
}

func validateRecordCases() []routeCase {
	const path = "/xrpc/org.gostatusphere.validateRecord"
	return []routeCase{
		{name: "valid", edit: withLexIndex, setup: lexRequest(http.MethodPost, path,
			`{"collection":"com.example.post","record":{"$type":"com.example.post","text":"hi","lang":"en"}}`),
			check: want(http.StatusOK, `{"valid":true}`)},
		{name: "invalid", edit: withLexIndex, setup: lexRequest(http.MethodPost, path,
			`{"collection":"com.example.post","record":{"$type":"com.example.post","text":"hi"}}`),
			check: want(http.StatusOK, `"valid":false`, `"path":"lang"`)},
		{name: "unknown_collection", edit: withLexIndex, setup: lexRequest(http.MethodPost, path,
			`{"collection":"com.example.nothing","record":{}}`),
			check: want(http.StatusBadRequest, `"error":"LexiconNotFound"`)},
	}
}
