package web

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSecurityHeaders: every HTML page forbids framing and sniffing, keeps
// its referrer to itself, allows only its own scripts and styles, and asks
// for https only when served over https; no page has inline script or style.
func TestSecurityHeaders(t *testing.T) {
	pages := []struct {
		name  string
		setup func(t *testing.T, e *testEnv) *http.Request
	}{
		{"home", get("/")},
		{"home_logged_in", func(t *testing.T, e *testEnv) *http.Request {
			return request(http.MethodGet, "/", "", e.session(t, aliceDID))
		}},
		{"login_page", get("/login?handle=alice.test")},
		{"lexicons", get("/lexicons")},
		{"login_error", func(*testing.T, *testEnv) *http.Request { return request(http.MethodPost, "/login", "handle=%FF", "") }},
		{"callback_error", get("/oauth/callback?error=access_denied&state=s")},
		{"status_error", func(t *testing.T, e *testEnv) *http.Request {
			return request(http.MethodPost, "/status", "status=ab", e.session(t, aliceDID))
		}},
	}
	for _, https := range []bool{false, true} {
		for _, p := range pages {
			name := p.name
			if https {
				name += "_https"
			}
			t.Run(name, func(t *testing.T) {
				e := newTestEnv(t, func(d *Deps) { d.Secure = https })
				w := e.do(p.setup(t, e))
				if !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
					t.Fatalf("%d %s is not a page", w.Code, w.Header().Get("Content-Type"))
				}
				h := w.Header()
				csp := h.Get("Content-Security-Policy")
				for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'"} {
					if !strings.Contains(csp, want) {
						t.Errorf("Content-Security-Policy %q lacks %s", csp, want)
					}
				}
				if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
					t.Errorf("Content-Security-Policy %q allows inline code", csp)
				}
				for k, v := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"} {
					if h.Get(k) != v {
						t.Errorf("%s = %q, want %q", k, h.Get(k), v)
					}
				}
				if hsts := h.Get("Strict-Transport-Security"); https != strings.Contains(hsts, "max-age=") {
					t.Errorf("Strict-Transport-Security = %q with https %v", hsts, https)
				}
				if m := inlineCode(w.Body.String()); m != "" {
					t.Errorf("inline script or style in the page: %q", m)
				}
			})
		}
	}
}

var (
	scriptTag  = regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script>`)
	inlineAttr = regexp.MustCompile(`(?i)<style\b|\sstyle=|\son[a-z]+=|javascript:`)
)

// inlineCode returns the first inline script or style of page, or "".
func inlineCode(page string) string {
	for _, m := range scriptTag.FindAllStringSubmatch(page, -1) {
		if !strings.Contains(m[1], "src=") || strings.TrimSpace(m[2]) != "" {
			return m[0]
		}
	}
	return inlineAttr.FindString(page)
}

// TestLoginStartIsPOSTOnly: GET /login, even with ?handle=, makes no
// outbound call and sets no cookie; a cross-site POST is refused; a
// same-origin POST starts the login.
func TestLoginStartIsPOSTOnly(t *testing.T) {
	e := newTestEnv(t)
	w := e.do(request(http.MethodGet, "/login?handle=alice.test", "", ""))
	checkResponse(t, w, http.StatusOK, `value="alice.test"`)
	if n := e.auth.startCount(); n != 0 {
		t.Fatalf("GET /login?handle= started %d logins", n)
	}
	if sc := w.Header().Values("Set-Cookie"); len(sc) != 0 {
		t.Errorf("GET /login?handle= set cookies %q", sc)
	}

	w = e.do(crossSite(request(http.MethodPost, "/login", "handle=alice.test", "")))
	checkResponse(t, w, http.StatusForbidden)
	if n := e.auth.startCount(); n != 0 {
		t.Fatalf("a cross-site POST started %d logins", n)
	}

	req := request(http.MethodPost, "/login", "handle=alice.test", "")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	checkResponse(t, e.do(req), http.StatusSeeOther)
	if n := e.auth.startCount(); n != 1 {
		t.Fatalf("a same-origin POST started %d logins, want 1", n)
	}
}

// postLoginFrom posts the login form from addr.
func postLoginFrom(e *testEnv, addr string) *httptest.ResponseRecorder {
	req := request(http.MethodPost, "/login", "handle=alice.test", "")
	req.RemoteAddr = addr + ":4000"
	return e.do(req)
}

// TestLoginStartLimits: login starts beyond the rate, per address and in
// all, and beyond the number running at once, get 429 and start nothing.
func TestLoginStartLimits(t *testing.T) {
	t.Run("rate", func(t *testing.T) {
		e := newTestEnv(t, func(d *Deps) {
			d.Limits.LoginStarts, d.Limits.LoginStartsPerAddr, d.Limits.LoginWindow = 3, 2, time.Hour
		})
		for i, c := range []struct {
			addr string
			code int
		}{{"192.0.2.1", 303}, {"192.0.2.1", 303}, {"192.0.2.1", 429}, {"192.0.2.2", 303}, {"192.0.2.3", 429}} {
			w := postLoginFrom(e, c.addr)
			if w.Code != c.code {
				t.Fatalf("login start %d from %s = %d, want %d", i+1, c.addr, w.Code, c.code)
			}
			if c.code == 429 && !strings.Contains(w.Body.String(), "Too many sign-in attempts") {
				t.Errorf("429 page lacks its message")
			}
		}
		if n := e.auth.startCount(); n != 3 {
			t.Errorf("%d logins started, want 3", n)
		}
	})
	t.Run("in_flight", func(t *testing.T) {
		e := newTestEnv(t, func(d *Deps) { d.Limits.LoginsInFlightPerAddr = 1 })
		gate := make(chan struct{})
		e.auth.startGate = gate
		var wg sync.WaitGroup
		var first *httptest.ResponseRecorder
		wg.Go(func() { first = postLoginFrom(e, "192.0.2.1") })
		for end := time.Now().Add(waitLong); e.auth.startCount() == 0 && time.Now().Before(end); time.Sleep(time.Millisecond) {
		}
		if w := postLoginFrom(e, "192.0.2.1"); w.Code != http.StatusTooManyRequests {
			t.Errorf("a second login start while one runs = %d, want 429", w.Code)
		}
		close(gate)
		wg.Wait()
		if first.Code != http.StatusSeeOther {
			t.Errorf("the running login start = %d", first.Code)
		}
		if w := postLoginFrom(e, "192.0.2.1"); w.Code != http.StatusSeeOther {
			t.Errorf("a login start after the first ended = %d", w.Code)
		}
	})
}

// TestInvalidUTF8Refused: invalid UTF-8 in any form field, query or JSON
// body is refused with 400 before anything uses it.
func TestInvalidUTF8Refused(t *testing.T) {
	cases := []struct {
		name, method, target, body string
		contentType                string
	}{
		{"login_handle", http.MethodPost, "/login", "handle=%FF", "application/x-www-form-urlencoded"},
		{"login_field_name", http.MethodPost, "/login", "handle=alice.test&%FF=1", "application/x-www-form-urlencoded"},
		{"login_query", http.MethodPost, "/login?x=%C3%28", "handle=alice.test", "application/x-www-form-urlencoded"},
		{"login_page_handle", http.MethodGet, "/login?handle=%FF", "", ""},
		{"status_form", http.MethodPost, "/status", "status=%FF", "application/x-www-form-urlencoded"},
		{"status_json", http.MethodPost, "/status", "{\"status\":\"\xff\"}", "application/json"},
		{"callback", http.MethodGet, "/oauth/callback?state=%FF&code=c", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newTestEnv(t)
			req := request(c.method, c.target, c.body, e.session(t, aliceDID))
			if c.body != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			w := e.do(req)
			checkResponse(t, w, http.StatusBadRequest, "not valid UTF-8")
			if e.auth.startCount() != 0 || len(e.records.writes()) != 0 {
				t.Error("the request reached the OAuth client or the PDS")
			}
			if _, err := e.st.LatestStatus(t.Context(), aliceDID); err == nil {
				t.Error("a status was stored")
			}
		})
	}
}
