package app

import (
	"net/http"
	"net/url"
	"time"

	"github.com/bluesky-social/indigo/util/ssrf"
)

// newHTTPClient is production's outbound client. Requests to hosts named
// by user data (handles, PDSes, authorization servers) go through indigo's
// SSRF-safe transport, which refuses private and loopback addresses; the
// hosts the operator configured (the PLC directory) are trusted, so a PLC
// mirror on a private network works.
func newHTTPClient(trustedURLs ...string) *http.Client {
	trusted := map[string]bool{}
	for _, raw := range trustedURLs {
		if u, err := url.Parse(raw); err == nil && u.Host != "" {
			trusted[u.Host] = true
		}
	}
	plain := http.DefaultTransport.(*http.Transport).Clone()
	return &http.Client{
		Timeout:   15 * time.Second,
		Transport: &trustedTransport{trusted: trusted, plain: plain, guarded: ssrf.PublicOnlyTransport()},
	}
}

// trustedTransport routes each request by whether its host is trusted.
type trustedTransport struct {
	trusted        map[string]bool
	plain, guarded http.RoundTripper
}

// RoundTrip implements [http.RoundTripper].
func (t *trustedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.trusted[r.URL.Host] {
		return t.plain.RoundTrip(r)
	}
	return t.guarded.RoundTrip(r)
}
