package devnet

import (
	"net/http"
	"net/url"
	"strings"
)

// Domain is the DNS suffix of every host on the test network: the PDS is
// pds.test and accounts are <name>.test.
const Domain = ".test"

// loopbackTransport sends requests for https://*.test to the PDS's plain
// HTTP port on loopback, keeping the original Host header, so the PDS answers
// as https://pds.test would. Every other request goes to next unchanged.
type loopbackTransport struct {
	pds  *url.URL
	next http.RoundTripper
}

// RoundTrip implements [http.RoundTripper].
func (t *loopbackTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(req.URL.Hostname(), Domain) {
		return t.next.RoundTrip(req)
	}
	out := req.Clone(req.Context())
	out.Host = req.URL.Host
	u := *req.URL
	u.Scheme = t.pds.Scheme
	u.Host = t.pds.Host
	out.URL = &u
	return t.next.RoundTrip(out)
}
