package app_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/statusphere/statusphere/internal/testnet"
)

// TestLoginIdentifiers logs in by handle, by DID and by PDS URL, and checks
// that failed and cancelled logins come back as readable pages, not 500s.
func TestLoginIdentifiers(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("alice"))
	a := startApp(t, n, dbFile(t))
	alice := n.Account("alice")

	for _, id := range []string{alice.Handle.String(), "@" + alice.Handle.String(), alice.DID.String(), n.PublicURL()} {
		t.Run("by "+id, func(t *testing.T) {
			c := newBrowserlessClient(t)
			resp, err := c.PostForm(a.URL()+"/login", url.Values{"handle": {id}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			loc := resp.Header.Get("Location")
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, n.PublicURL()+"/oauth/authorize?") {
				t.Fatalf("POST /login %q = %d → %q", id, resp.StatusCode, loc)
			}
			cb, err := n.SignIn(t.Context(), loc, alice)
			if err != nil {
				t.Fatal(err)
			}
			if code, _ := get(t, c, cb.String()); code != http.StatusSeeOther {
				t.Fatalf("callback = %d", code)
			}
			if _, body := get(t, c, a.URL()+"/"); !strings.Contains(body, "Log out") {
				t.Fatal("not logged in")
			}
		})
	}

	// A callback for a login started in another browser is refused, so a
	// victim cannot be logged into someone else's account by a link.
	t.Run("callback in another browser", func(t *testing.T) {
		attacker := newBrowserlessClient(t)
		resp, err := attacker.PostForm(a.URL()+"/login", url.Values{"handle": {alice.Handle.String()}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cb, err := n.SignIn(t.Context(), resp.Header.Get("Location"), alice)
		if err != nil {
			t.Fatal(err)
		}
		victim := newBrowserlessClient(t)
		resp, err = victim.Get(cb.String())
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, resp)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "started in another browser") {
			t.Fatalf("callback in another browser = %d, want 400 and a readable error", resp.StatusCode)
		}
		if _, home := get(t, victim, a.URL()+"/"); strings.Contains(home, "Log out") {
			t.Fatal("the victim was logged in")
		}
	})

	failures := []struct {
		name, path string
		form       url.Values
		want       string
	}{
		{"unknown handle", "/login", url.Values{"handle": {"nobody.test"}}, "No account has the handle nobody.test"},
		{"not an identifier", "/login", url.Values{"handle": {"not a handle!"}}, "is not a handle"},
		{"empty", "/login", url.Values{"handle": {""}}, "Enter your handle"},
		{"unreachable PDS", "/login", url.Values{"handle": {"https://unreachable.invalid"}}, "Could not reach the PDS unreachable.invalid"},
		{"cancelled at the PDS", "/oauth/callback?error=access_denied&state=whatever", nil, "Sign-in was cancelled"},
		{"forged callback", "/oauth/callback?state=forged&code=x&iss=https%3A%2F%2Fpds.test", nil, "could not be completed"},
	}
	for _, f := range failures {
		t.Run(f.name, func(t *testing.T) {
			c := newBrowserlessClient(t)
			var resp *http.Response
			var err error
			if f.form != nil {
				resp, err = c.PostForm(a.URL()+f.path, f.form)
			} else {
				resp, err = c.Get(a.URL() + f.path)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body := readAll(t, resp)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `class="error"`) || !strings.Contains(body, f.want) {
				t.Fatalf("%s = %d, want 400 with %q in the page", f.path, resp.StatusCode, f.want)
			}
		})
	}
}

// TestSessionCookies checks that forged cookies are just "logged out", that
// the session cookie is HttpOnly and SameSite=Lax, and that a cross-site
// post is refused.
func TestSessionCookies(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("alice"))
	a := startApp(t, n, dbFile(t))
	c := login(t, n, a, n.Account("alice"))

	u, _ := url.Parse(a.URL())
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "statusphere_session" && len(ck.Value) < 40 {
			t.Errorf("session cookie value is short: %d chars", len(ck.Value))
		}
	}
	// The jar hides attributes; look at a fresh Set-Cookie.
	c2 := newBrowserlessClient(t)
	resp, err := c2.PostForm(a.URL()+"/login", url.Values{"handle": {"alice.test"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cb, err := n.SignIn(t.Context(), resp.Header.Get("Location"), n.Account("alice"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err = c2.Get(cb.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	sc := resp.Header.Get("Set-Cookie")
	if !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Lax") || strings.Contains(sc, "Secure") {
		t.Errorf("Set-Cookie = %q, want HttpOnly, SameSite=Lax, and no Secure on loopback http", sc)
	}

	for _, forged := range []string{"x", strings.Repeat("A", 43), "../../etc/passwd", strings.Repeat("z", 500)} {
		req, _ := http.NewRequest(http.MethodGet, a.URL()+"/", nil)
		req.AddCookie(&http.Cookie{Name: "statusphere_session", Value: forged})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, resp)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || strings.Contains(body, "Log out") {
			t.Errorf("forged cookie %.20q: %d, logged in = %v", forged, resp.StatusCode, strings.Contains(body, "Log out"))
		}
	}

	// A cross-site form post is refused before it reaches the handler.
	req, _ := http.NewRequest(http.MethodPost, a.URL()+"/status", strings.NewReader("status=%F0%9F%A6%8B"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	for _, ck := range c.Jar.Cookies(u) {
		req.AddCookie(ck)
	}
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST /status = %d, want 403", resp.StatusCode)
	}
	if recs, _ := n.Account("alice").ListRecords(t.Context(), statusNSID); len(recs) != 0 {
		t.Errorf("a cross-site post wrote %d records", len(recs))
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
