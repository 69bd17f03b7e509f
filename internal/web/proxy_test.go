package web

import (
	"net/http"
	"net/netip"
	"testing"
	"time"
)

// TestClientAddrBehindProxy: behind a trusted reverse proxy the client is
// the nearest untrusted address of X-Forwarded-For (what a client writes
// at its left is ignored); a connection from anywhere else is its own
// client, whatever header it sends.
func TestClientAddrBehindProxy(t *testing.T) {
	s := &Server{Deps: Deps{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8")}}}
	for _, tc := range []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"no proxy", "192.0.2.7:4000", nil, "192.0.2.7"},
		{"untrusted sender's header is ignored", "192.0.2.7:4000", []string{"198.51.100.1"}, "192.0.2.7"},
		{"one trusted proxy", "127.0.0.1:4000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"two trusted proxies", "127.0.0.1:4000", []string{"198.51.100.1, 10.1.2.3"}, "198.51.100.1"},
		{"a spoofed left part", "127.0.0.1:4000", []string{"6.6.6.6, 198.51.100.1"}, "198.51.100.1"},
		{"several header lines", "127.0.0.1:4000", []string{"6.6.6.6", "198.51.100.1"}, "198.51.100.1"},
		{"only proxies", "127.0.0.1:4000", []string{"10.1.2.3"}, "10.1.2.3"},
		{"a proxy without the header", "127.0.0.1:4000", nil, "127.0.0.1"},
		{"IPv4 in IPv6", "[::ffff:127.0.0.1]:4000", []string{"198.51.100.1"}, "198.51.100.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := s.clientAddr(r); got != tc.want {
				t.Errorf("clientAddr = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestLoginLimitsPerClientBehindProxy: behind the TLS proxy every
// connection comes from loopback; with the proxy trusted, each client has
// its own per-address budget instead of all sharing the proxy's.
func TestLoginLimitsPerClientBehindProxy(t *testing.T) {
	e := newTestEnv(t, func(d *Deps) {
		d.Limits.LoginStarts, d.Limits.LoginStartsPerAddr, d.Limits.LoginWindow = 100, 1, time.Hour
		d.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	})
	for i, c := range []struct {
		client string
		code   int
	}{{"198.51.100.1", http.StatusSeeOther}, {"198.51.100.2", http.StatusSeeOther}, {"198.51.100.1", http.StatusTooManyRequests}} {
		req := request(http.MethodPost, "/login", "handle=alice.test", "")
		req.RemoteAddr = "127.0.0.1:4000"
		req.Header.Set("X-Forwarded-For", c.client)
		if w := e.do(req); w.Code != c.code {
			t.Fatalf("login start %d from %s through the proxy = %d, want %d", i+1, c.client, w.Code, c.code)
		}
	}
}
