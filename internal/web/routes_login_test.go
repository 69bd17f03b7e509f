package web

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/statusphere/statusphere/internal/oauth"
)

func loginPageCases() []routeCase {
	noStart := func(code int, parts ...string) func(*testing.T, *testEnv, *httptest.ResponseRecorder) {
		return func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			t.Helper()
			checkResponse(t, w, code, parts...)
			if n := e.auth.startCount(); n != 0 {
				t.Errorf("GET /login started %d logins", n)
			}
		}
	}
	return []routeCase{
		{name: "form", setup: get("/login"), check: noStart(http.StatusOK, `<form action="/login" method="post"`)},
		{name: "prefilled", setup: get("/login?handle=alice.test"), check: noStart(http.StatusOK, `value="alice.test"`)},
		{name: "invalid_utf8", setup: get("/login?handle=%FF"), check: noStart(http.StatusBadRequest, "not valid UTF-8")},
	}
}

func loginCases() []routeCase {
	post := func(body string) func(*testing.T, *testEnv) *http.Request {
		return func(*testing.T, *testEnv) *http.Request { return request(http.MethodPost, "/login", body, "") }
	}
	return []routeCase{
		{name: "starts", setup: post("handle=alice.test"), check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			checkResponse(t, w, http.StatusSeeOther)
			if loc := w.Header().Get("Location"); loc != authorize {
				t.Errorf("Location = %q", loc)
			}
			if sc := w.Header().Get("Set-Cookie"); !strings.Contains(sc, loginCookieName+"="+oauth.RequestURI(authorize)) || !strings.Contains(sc, "HttpOnly") {
				t.Errorf("Set-Cookie = %q, want the login cookie", sc)
			}
			if len(e.auth.starts) != 1 || e.auth.starts[0] != "alice.test" {
				t.Errorf("StartLogin calls = %q", e.auth.starts)
			}
		}},
		{name: "unknown_handle", setup: func(t *testing.T, e *testEnv) *http.Request {
			e.auth.startErr = &oauth.LoginError{Msg: "Could not start sign-in for nobody.test.", Err: errors.New("not found")}
			return request(http.MethodPost, "/login", "handle=nobody.test", "")
		}, check: want(http.StatusBadRequest, `class="error"`, "Could not start sign-in for nobody.test.", `value="nobody.test"`)},
		{name: "unexpected_error", setup: func(t *testing.T, e *testEnv) *http.Request {
			e.auth.startErr = errors.New("boom")
			return request(http.MethodPost, "/login", "handle=alice.test", "")
		}, check: want(http.StatusBadRequest, "Sign-in failed. Please try again.")},
		{name: "cross_site", setup: func(*testing.T, *testEnv) *http.Request {
			return crossSite(request(http.MethodPost, "/login", "handle=alice.test", ""))
		}, check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			checkResponse(t, w, http.StatusForbidden)
			if e.auth.startCount() != 0 {
				t.Error("a cross-site post started a login")
			}
		}},
		{name: "invalid_utf8", setup: post("handle=%FF.test"), check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			checkResponse(t, w, http.StatusBadRequest, "not valid UTF-8")
			if e.auth.startCount() != 0 {
				t.Error("an invalid form started a login")
			}
		}},
		{name: "bad_form_encoding", setup: post("handle=%zz"), check: want(http.StatusBadRequest)},
	}
}

func callbackCases() []routeCase {
	callback := func(query string, withCookie bool) func(*testing.T, *testEnv) *http.Request {
		return func(*testing.T, *testEnv) *http.Request {
			req := request(http.MethodGet, "/oauth/callback?"+query, "", "")
			if withCookie {
				req.AddCookie(&http.Cookie{Name: loginCookieName, Value: oauth.RequestURI(authorize)})
			}
			return req
		}
	}
	return []routeCase{
		{name: "logs_in", setup: callback("state=s&code=c&iss=https%3A%2F%2Fauth.example", true), check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			checkResponse(t, w, http.StatusSeeOther)
			var session string
			for _, c := range w.Result().Cookies() {
				if c.Name == cookieName {
					session = c.Value
				}
			}
			if session == "" {
				t.Fatal("no session cookie")
			}
			ws, err := e.st.WebSession(t.Context(), sessionKey(session), e.s.now().UTC())
			if err != nil || ws.DID != aliceDID {
				t.Fatalf("web session = %+v, %v", ws, err)
			}
			if id, err := e.st.Identity(t.Context(), aliceDID); err != nil || id.Handle != "alice.test" {
				t.Errorf("identity after login = %+v, %v", id, err)
			}
		}},
		{name: "cancelled", setup: callback("error=access_denied&state=s", true), check: want(http.StatusBadRequest, msgSignInCancelled)},
		{name: "attacker_text", setup: callback("error=invalid_request&error_description=Call+%2B1-555-0100+to+unlock+your+account&state=s", true),
			check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
				checkResponse(t, w, http.StatusBadRequest, msgSignInRefused)
				if strings.Contains(w.Body.String(), "555-0100") || strings.Contains(w.Body.String(), "invalid_request") {
					t.Error("the page shows text from the query")
				}
				if !strings.Contains(e.logs.String(), "555-0100") || len(e.logs.errorLines()) != 0 {
					t.Errorf("want the description logged below ERROR, log:\n%s", e.logs)
				}
			}},
		{name: "other_browser", setup: callback("state=s&code=c", false), check: want(http.StatusBadRequest, "started in another browser")},
		{name: "not_completed", setup: func(t *testing.T, e *testEnv) *http.Request {
			e.auth.finishErr = &oauth.LoginError{Msg: msgSignInFailed, Err: errors.New("token request failed")}
			return callback("state=s&code=c", true)(t, e)
		}, check: want(http.StatusBadRequest, "could not be completed")},
		{name: "invalid_utf8", setup: callback("state=%FF&code=c", true), check: want(http.StatusBadRequest, "not valid UTF-8")},
	}
}

func logoutCases() []routeCase {
	cleared := func(t *testing.T, w *httptest.ResponseRecorder) {
		t.Helper()
		checkResponse(t, w, http.StatusSeeOther)
		if sc := w.Header().Get("Set-Cookie"); !strings.Contains(sc, cookieName+"=;") || !strings.Contains(sc, "Max-Age=0") {
			t.Errorf("Set-Cookie = %q, want the session cookie cleared", sc)
		}
	}
	loggedIn := func(t *testing.T, e *testEnv) *http.Request {
		return request(http.MethodPost, "/logout", "x=1", e.session(t, aliceDID))
	}
	ended := func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
		cleared(t, w)
		if len(e.auth.logouts) != 1 {
			t.Errorf("OAuth logouts = %v, want alice's", e.auth.logouts)
		}
		if e.hasSession(t, aliceDID) {
			t.Error("the web session outlived logout")
		}
	}
	return []routeCase{
		{name: "logged_in", setup: loggedIn, check: ended},
		{name: "revoke_fails", setup: func(t *testing.T, e *testEnv) *http.Request {
			e.auth.logoutErr = errors.New("authorization server unreachable")
			return loggedIn(t, e)
		}, check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			ended(t, e, w)
			if !strings.Contains(e.logs.String(), "level=WARN") {
				t.Error("the failed revocation was not logged")
			}
		}},
		{name: "logged_out", setup: func(*testing.T, *testEnv) *http.Request {
			return request(http.MethodPost, "/logout", "x=1", "")
		}, check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			cleared(t, w)
			if len(e.auth.logouts) != 0 {
				t.Error("logout without a session called the OAuth client")
			}
		}},
		{name: "cross_site", setup: func(t *testing.T, e *testEnv) *http.Request {
			return crossSite(loggedIn(t, e))
		}, check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			checkResponse(t, w, http.StatusForbidden)
			if len(e.auth.logouts) != 0 {
				t.Error("a cross-site post logged out")
			}
		}},
	}
}
