package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestSessionCookieValue: the session cookie is found among others, over
// several Cookie headers, quoted or not, as http.Request.Cookie finds it.
func TestSessionCookieValue(t *testing.T) {
	for _, c := range []struct {
		headers []string
		want    string
		ok      bool
	}{
		{nil, "", false},
		{[]string{"other=1"}, "", false},
		{[]string{cookieName + "=abc"}, "abc", true},
		{[]string{"a=1; " + cookieName + "=abc; b=2"}, "abc", true},
		{[]string{"a=1;" + cookieName + `="abc"`}, "abc", true},
		{[]string{"a=1", cookieName + "=abc"}, "abc", true},
		{[]string{cookieName + "x=1; x" + cookieName + "=2"}, "", false},
		{[]string{cookieName + "="}, "", true},
	} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header["Cookie"] = c.headers
		got, ok := sessionCookieValue(req)
		if got != c.want || ok != c.ok {
			t.Errorf("Cookie %q: %q, %v; want %q, %v", c.headers, got, ok, c.want, c.ok)
		}
		if std, err := req.Cookie(cookieName); (err == nil) != c.ok || (err == nil && std.Value != c.want) {
			t.Errorf("Cookie %q: http.Request.Cookie disagrees: %v, %v", c.headers, std, err)
		}
	}
}
