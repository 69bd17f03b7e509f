package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/statusphere/statusphere/internal/oauth"
)

func signupCases() []routeCase {
	post := func(body string) func(*testing.T, *testEnv) *http.Request {
		return func(*testing.T, *testEnv) *http.Request { return request(http.MethodPost, "/signup", body, "") }
	}
	return []routeCase{
		{name: "starts", setup: post("pds=pds.example"), check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			checkResponse(t, w, http.StatusSeeOther)
			if loc := w.Header().Get("Location"); loc != authorize {
				t.Errorf("Location = %q", loc)
			}
			if sc := w.Header().Get("Set-Cookie"); !strings.Contains(sc, loginCookieName+"="+oauth.RequestURI(authorize)) {
				t.Errorf("Set-Cookie = %q, want the login cookie", sc)
			}
			if len(e.auth.starts) != 1 || e.auth.starts[0] != "signup:pds.example" {
				t.Errorf("StartSignup calls = %q", e.auth.starts)
			}
		}},
		{name: "unreachable_pds", setup: func(t *testing.T, e *testEnv) *http.Request {
			e.auth.startErr = &oauth.LoginError{Msg: "Could not reach the PDS gone.example (connection refused).", Err: errors.New("dial")}
			return request(http.MethodPost, "/signup", "pds=gone.example", "")
		}, check: want(http.StatusBadRequest, `class="error"`, "Could not reach the PDS gone.example", `value="gone.example"`)},
		{name: "cross_site", setup: func(*testing.T, *testEnv) *http.Request {
			return crossSite(request(http.MethodPost, "/signup", "pds=pds.example", ""))
		}, check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			checkResponse(t, w, http.StatusForbidden)
			if e.auth.startCount() != 0 {
				t.Error("a cross-site post started a sign-up")
			}
		}},
		{name: "invalid_utf8", setup: post("pds=%FF"), check: want(http.StatusBadRequest, "not valid UTF-8")},
	}
}

func notFoundCases() []routeCase {
	return []routeCase{
		{name: "page", setup: get("/no/such/page"), check: want(http.StatusNotFound, "<title>Not found · Statusphere</title>", `href="/"`)},
		{name: "json", setup: func(*testing.T, *testEnv) *http.Request {
			req := request(http.MethodGet, "/nothing", "", "")
			req.Header.Set("Accept", "application/json")
			return req
		}, check: want(http.StatusNotFound, `"error"`)},
	}
}

func faviconCases() []routeCase {
	return []routeCase{
		{name: "redirects_to_svg", setup: get("/favicon.ico"), check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			checkResponse(t, w, http.StatusMovedPermanently)
			if loc := w.Header().Get("Location"); !strings.HasPrefix(loc, "/static/favicon.svg?v=") {
				t.Errorf("Location = %q, want the versioned SVG icon", loc)
			}
		}},
	}
}

// TestHomeSaysTimelineBehind: when the ingester has lost its source,
// the home page says the timeline may be behind; when it is not, it does not.
func TestHomeSaysTimelineBehind(t *testing.T) {
	for _, healthy := range []bool{true, false} {
		e := newTestEnv(t, func(d *Deps) {
			d.Behind = func(context.Context) bool { return !healthy }
		})
		w := e.do(request(http.MethodGet, "/", "", ""))
		checkResponse(t, w, http.StatusOK)
		if got := strings.Contains(w.Body.String(), `id="behind"`); got == healthy {
			t.Errorf("ingest healthy=%v: behind notice shown=%v", healthy, got)
		}
	}
}
