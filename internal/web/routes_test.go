package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	ouroauth "github.com/statusphere/statusphere/internal/oauth"
	"github.com/statusphere/statusphere/internal/store"
)

// routeCase is one request to a route and what must come of it.
type routeCase struct {
	name  string
	edit  func(*Deps)                                  // optional: change the Deps
	setup func(t *testing.T, e *testEnv) *http.Request // builds the request
	check func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder)
}

// routeTests lists, per route pattern of the routeFiles, its success and error
// cases. TestRoutes fails when a route has none.
var routeTests = map[string][]routeCase{
	"GET /{$}":                        homeCases(),
	"GET /login":                      loginPageCases(),
	"POST /login":                     loginCases(),
	"GET /oauth/callback":             callbackCases(),
	"POST /logout":                    logoutCases(),
	"POST /status":                    append(statusCases(), noteCases()...),
	"GET /events":                     eventsCases(),
	"GET /lexicons":                   lexiconsCases(),
	"GET /healthz":                    healthzCases(),
	"GET /oauth-client-metadata.json": clientMetadataCases("/oauth-client-metadata.json", "client_id"),
	"GET /oauth/jwks.json":            clientMetadataCases("/oauth/jwks.json", `"keys"`),
	"GET /static/":                    staticCases(),
	"GET /.well-known/did.json":       didDocumentCases(),
	"GET /xrpc/{nsid}":                append(xrpcQueryCases(), viewerStatusCases()...),
	"POST /xrpc/{nsid}":               xrpcOtherMethodCases(),
	"POST /signup":                    signupCases(),
	"GET /":                           notFoundCases(),
	"GET /favicon.ico":                faviconCases(),

	// lexIndexRoutes (lexindex_pages.go), there when Deps.LexIndex is set.
	"GET /lexicons/{nsid}":                         lexiconSchemaCases(),
	"POST /lexicons/{nsid}":                        lexiconValidateCases(),
	"GET /lexicons/{nsid}/diff":                    lexiconDiffCases(),
	"GET /xrpc/com.atproto.lexicon.resolveLexicon": resolveLexiconCases(),
	"POST /xrpc/org.gostatusphere.validateRecord":  validateRecordCases(),
}

// routeFiles are the files that register routes.
var routeFiles = []string{"routes.go", "lexindex_pages.go"}

// TestRoutes runs every route's cases against a Server with fakes: no PDS,
// browser or database server. Subtests are named for the route and case,
// e.g. TestRoutes/POST_status/invalid_emoji.
func TestRoutes(t *testing.T) {
	var patterns []string
	for _, f := range routeFiles {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`mux\.Handle(?:Func)?\("([^"]+)"`).FindAllStringSubmatch(string(src), -1) {
			patterns = append(patterns, m[1])
		}
	}
	sort.Strings(patterns)
	for _, p := range patterns {
		cases := routeTests[p]
		if len(cases) == 0 {
			t.Errorf("route %q has no test cases", p)
		}
		t.Run(routeName(p), func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					var edits []func(*Deps)
					if c.edit != nil {
						edits = append(edits, c.edit)
					}
					e := newTestEnv(t, edits...)
					c.check(t, e, e.do(c.setup(t, e)))
				})
			}
		})
	}
	if len(patterns) != len(routeTests) {
		t.Errorf("the route files have %d routes, the tests cover %d", len(patterns), len(routeTests))
	}
}

// routeName names a pattern's subtest: "POST /status" → "POST_status".
func routeName(pattern string) string {
	method, path, _ := strings.Cut(pattern, " ")
	path = strings.Trim(strings.TrimSuffix(path, "{$}"), "/")
	if path == "" {
		path = "home"
	}
	return method + "_" + strings.ReplaceAll(path, "/", "_")
}

// get is a setup for a plain GET of target.
func get(target string) func(*testing.T, *testEnv) *http.Request {
	return func(*testing.T, *testEnv) *http.Request { return request(http.MethodGet, target, "", "") }
}

// want checks the status code and that the body holds each of parts.
func want(code int, parts ...string) func(*testing.T, *testEnv, *httptest.ResponseRecorder) {
	return func(t *testing.T, _ *testEnv, w *httptest.ResponseRecorder) {
		t.Helper()
		checkResponse(t, w, code, parts...)
	}
}

func checkResponse(t *testing.T, w *httptest.ResponseRecorder, code int, parts ...string) {
	t.Helper()
	if w.Code != code {
		t.Fatalf("status %d, want %d; body:\n%.2000s", w.Code, code, w.Body.String())
	}
	for _, p := range parts {
		if !strings.Contains(w.Body.String(), p) {
			t.Errorf("body lacks %q:\n%.3000s", p, w.Body.String())
		}
	}
}

// crossSite marks req as a browser's cross-site request.
func crossSite(req *http.Request) *http.Request {
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	return req
}

// failingTimeline is a store whose timeline query fails.
type failingTimeline struct{ Store }

func (failingTimeline) Timeline(context.Context, int, time.Time) ([]store.TimelineEntry, error) {
	return nil, errors.New("database is down")
}

func homeCases() []routeCase {
	return []routeCase{
		{name: "logged_out", setup: func(t *testing.T, e *testEnv) *http.Request {
			e.addStatus(t, bobDID, "3kaaaaaaaaaa2", "🚀", time.Now().UTC())
			return request(http.MethodGet, "/", "", "")
		}, check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			checkResponse(t, w, http.StatusOK, `name="handle"`, "🚀", `data-uri="at://did:plc:bob00000000000000000000/xyz.statusphere.status/3kaaaaaaaaaa2"`)
			if strings.Contains(w.Body.String(), "Log out") || strings.Contains(w.Body.String(), "ZgotmplZ") {
				t.Error("logged-out page shows Log out or a filtered attribute")
			}
		}},
		{name: "logged_in", setup: func(t *testing.T, e *testEnv) *http.Request {
			e.records.names[aliceDID] = "Alice Liddell"
			e.addStatus(t, aliceDID, "3kaaaaaaaaaa2", "🦋", time.Now().UTC())
			return request(http.MethodGet, "/", "", e.session(t, aliceDID))
		}, check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			checkResponse(t, w, http.StatusOK, "Alice Liddell", "Log out", `class="status-option selected"`, `id="note" name="note"`)
			if strings.Contains(w.Body.String(), "notes-unavailable") {
				t.Error("a session granted the permission set is told notes are unavailable")
			}
		}},
		{name: "logged_in_status_only", setup: func(t *testing.T, e *testEnv) *http.Request {
			e.auth.granted = ouroauth.BaseScopes
			return request(http.MethodGet, "/", "", e.session(t, aliceDID))
		}, check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			checkResponse(t, w, http.StatusOK, "Log out", `id="notes-unavailable"`, "Notes are unavailable", "org.gostatusphere.authFull")
			if strings.Contains(w.Body.String(), `name="note"`) {
				t.Error("a session not granted notes is offered the note field")
			}
		}},
		{name: "forged_cookie", setup: func(*testing.T, *testEnv) *http.Request {
			return request(http.MethodGet, "/", "", strings.Repeat("A", 43))
		}, check: want(http.StatusOK, `name="handle"`)},
		{name: "database_down", edit: func(d *Deps) { d.Store = failingTimeline{d.Store} }, setup: get("/"),
			check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
				checkResponse(t, w, http.StatusInternalServerError, "Something went wrong")
				if len(e.logs.errorLines()) != 1 {
					t.Errorf("want one ERROR line, log:\n%s", e.logs)
				}
			}},
		{name: "unknown_path", setup: get("/nothing-here"), check: want(http.StatusNotFound)},
	}
}

func lexiconsCases() []routeCase {
	return []routeCase{
		{name: "documents_the_schemas", setup: get("/lexicons"), check: want(http.StatusOK, "xyz.statusphere.status", "maxGraphemes: 1")},
		{name: "wrong_method", setup: func(*testing.T, *testEnv) *http.Request {
			return request(http.MethodPost, "/lexicons", "x=1", "")
		}, check: want(http.StatusMethodNotAllowed)},
	}
}

func healthzCases() []routeCase {
	// The public /healthz answers only ok: a failing check's details (an
	// error naming the database, say) never reach it.
	exactly := func(code int, body string) func(*testing.T, *testEnv, *httptest.ResponseRecorder) {
		return func(t *testing.T, _ *testEnv, w *httptest.ResponseRecorder) {
			t.Helper()
			if w.Code != code || strings.TrimSpace(w.Body.String()) != body {
				t.Fatalf("= %d %s, want %d %s", w.Code, w.Body, code, body)
			}
		}
	}
	return []routeCase{
		{name: "healthy", edit: func(d *Deps) {
			d.Checks = map[string]Check{"database": func(context.Context) (any, bool) { return map[string]bool{"ok": true}, true }}
		}, setup: get("/healthz"), check: exactly(http.StatusOK, `{"ok":true}`)},
		{name: "unhealthy", edit: func(d *Deps) {
			d.Checks = map[string]Check{"ingest": func(context.Context) (any, bool) { return "disconnected", false }}
		}, setup: get("/healthz"), check: exactly(http.StatusServiceUnavailable, `{"ok":false}`)},
	}
}

func clientMetadataCases(path, part string) []routeCase {
	return []routeCase{
		{name: "confidential_client", setup: func(t *testing.T, e *testEnv) *http.Request {
			e.auth.confidential = true
			return request(http.MethodGet, path, "", "")
		}, check: want(http.StatusOK, part)},
		{name: "loopback_client", setup: get(path), check: want(http.StatusNotFound)},
	}
}

func staticCases() []routeCase {
	return []routeCase{
		{name: "versioned_file", setup: get("/static/style.css?v=1"), check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			checkResponse(t, w, http.StatusOK)
			if cc := w.Header().Get("Cache-Control"); !strings.Contains(cc, "immutable") {
				t.Errorf("Cache-Control = %q, want immutable", cc)
			}
		}},
		{name: "directory", setup: get("/static/"), check: want(http.StatusNotFound)},
		{name: "missing_file", setup: get("/static/nothing.js"), check: want(http.StatusNotFound)},
		{name: "escape", setup: get("/static/../routes.go"), check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			if w.Code == http.StatusOK {
				t.Fatalf("served %q", w.Body.String())
			}
		}},
	}
}
