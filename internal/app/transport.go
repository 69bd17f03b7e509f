package app

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/bluesky-social/indigo/util/ssrf"

	"github.com/statusphere/statusphere/internal/pds"
)

// newHTTPClient is production's outbound client. Requests to hosts named
// by user data (handles, PDSes, authorization servers) go through indigo's
// SSRF-safe transport, which refuses private and loopback addresses; the
// hosts the operator configured (the PLC directory) are trusted, so a PLC
// mirror on a private network works. Every answer's body is capped (see
// [capBodies]).
func newHTTPClient(trustedURLs ...string) *http.Client {
	return NewOutboundClient(15*time.Second, false, trustedURLs...)
}

// NewOutboundClient is the guarded, body-capped outbound client of
// [newHTTPClient] with its own timeout, for commands that call the network
// outside the app (the lex tools). allowPrivate turns the SSRF guard off,
// for development against a local network only.
func NewOutboundClient(timeout time.Duration, allowPrivate bool, trustedURLs ...string) *http.Client {
	trusted := map[string]bool{}
	for _, raw := range trustedURLs {
		if u, err := url.Parse(raw); err == nil && u.Host != "" {
			trusted[u.Host] = true
		}
	}
	plain := http.DefaultTransport.(*http.Transport).Clone()
	var guarded http.RoundTripper = ssrf.PublicOnlyTransport()
	if allowPrivate {
		guarded = plain
	}
	return &http.Client{
		Timeout:   timeout,
		Transport: capBodies(&trustedTransport{trusted: trusted, plain: plain, guarded: guarded}),
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

// Caps on the bodies of outbound answers, by what was asked for.
const (
	// maxDocumentBytes bounds every answer the two caps below do not
	// cover: handle and DID documents, OAuth metadata and token answers,
	// XRPC procedure answers. A DID document is a few KiB.
	maxDocumentBytes = 1 << 20
	// maxXRPCQueryBytes bounds the answer to an XRPC query (GET
	// /xrpc/<nsid>): records, pages of records or repositories. Package
	// pds applies its own, tighter caps per call.
	maxXRPCQueryBytes = 16 << 20
	// maxCARBytes bounds a repository export (GET of a sync method that
	// answers a CAR file): a backstop above the caller's own cap (ingest's
	// MaxRepoBytes, 256 MiB by default).
	maxCARBytes = 1 << 30
)

// carMethods are the XRPC queries that answer a CAR file.
var carMethods = map[string]bool{
	"com.atproto.sync.getRepo":   true,
	"com.atproto.sync.getBlocks": true,
	"com.atproto.sync.getRecord": true,
}

// capBodies wraps next so that no answer's body can be read past its cap:
// a read past it fails with an error matching pds.ErrTooLarge, and an
// answer whose Content-Length is over the cap fails at once.
//
// The cap is chosen by the request, never by the answer: the request is
// ours, the answer's Content-Type is the server's to choose. A hostile
// server answering a login's DID-document request with
// "application/vnd.ipld.car" still gets the 1 MiB cap. Only a GET of
// /xrpc/<nsid> reads more, and only the CAR-exporting sync methods the most.
// POSTs keep the small cap whatever their path, since a hostile
// authorization server names the URLs of the PAR and token endpoints.
func capBodies(next http.RoundTripper) http.RoundTripper {
	return &capTransport{next: next}
}

// capTransport is [capBodies]' transport.
type capTransport struct{ next http.RoundTripper }

// RoundTrip implements [http.RoundTripper].
func (t *capTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	limit, what := bodyCap(r), r.Method+" "+r.URL.Host+r.URL.Path
	if resp.ContentLength > limit {
		resp.Body.Close()
		return nil, pds.TooLarge(what, limit)
	}
	resp.Body = pds.CapBody(resp.Body, limit, what)
	return resp, nil
}

// bodyCap returns the cap on the body of the answer to r.
func bodyCap(r *http.Request) int64 {
	method, ok := strings.CutPrefix(r.URL.Path, "/xrpc/")
	if r.Method != http.MethodGet || !ok {
		return maxDocumentBytes
	}
	if _, err := syntax.ParseNSID(method); err != nil {
		return maxDocumentBytes // not an XRPC method: /xrpc/x/did.json
	}
	if carMethods[method] {
		return maxCARBytes
	}
	return maxXRPCQueryBytes
}
