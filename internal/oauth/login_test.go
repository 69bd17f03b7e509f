package oauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/statusphere/statusphere/internal/identity"
	"github.com/statusphere/statusphere/internal/oauth"
	"github.com/statusphere/statusphere/internal/store/storetest"
	"github.com/statusphere/statusphere/internal/testnet"
)

// TestLoginErrorsTellTheTruth starts logins against the real local network
// and closed ports: each failure's message names what failed (no such
// account, or which server could not be reached), and none tells the user
// to check a handle that was not the problem.
func TestLoginErrorsTellTheTruth(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("alice"))
	alice := n.Account("alice")
	closed := closedPort(t)
	// A "PDS" on loopback whose protected-resource metadata names an
	// authorization server nobody answers for.
	lonely := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{ //nolint:errcheck // test server
			"resource": "https://lonely-pds.test", "authorization_servers": []string{"https://gone-as.test"},
		})
	}))
	t.Cleanup(lonely.Close)
	hosts := map[string]string{ // host → where it is on loopback
		"gone-pds.test:443":   closed,
		"gone-as.test:443":    closed,
		"cut.test:443":        closed,
		"lonely-pds.test:443": strings.TrimPrefix(lonely.URL, "http://"),
	}
	network := loginClient(t, n, n.PLCURL, hosts)
	noPLC := loginClient(t, n, "http://"+closed, hosts)

	tests := []struct {
		name       string
		client     *oauth.Client
		identifier string
		want       []string // the message says all of these
	}{
		{"unknown handle", network, "nobody.test", []string{"No account has the handle nobody.test"}},
		{"unknown DID", network, "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", []string{"No account has the DID did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"}},
		{"handle host unreachable", network, "cut.test", []string{"Could not reach the network", "cut.test"}},
		{"unreachable PLC, by DID", noPLC, alice.DID.String(), []string{"Could not reach the DID directory"}},
		{"unreachable PLC, by handle", noPLC, alice.Handle.String(), []string{"Could not reach the DID directory"}},
		{"unreachable PDS", network, "https://gone-pds.test", []string{"Could not reach the PDS gone-pds.test", "refused"}},
		{"unreachable authorization server", network, "https://lonely-pds.test", []string{"Could not reach the authorization server gone-as.test", "refused"}},
		{"garbage", network, "not a handle!", []string{`"not a handle!" is not a handle, a DID, or an https:// PDS address`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			redirect, err := tc.client.StartLogin(ctx, tc.identifier)
			var le *oauth.LoginError
			if !errors.As(err, &le) {
				t.Fatalf("StartLogin(%q) = %q, %v; want a LoginError", tc.identifier, redirect, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(le.Msg, w) {
					t.Errorf("message %q lacks %q", le.Msg, w)
				}
			}
			if tc.name != "unknown handle" && strings.Contains(strings.ToLower(le.Msg), "check the") {
				t.Errorf("message %q tells the user to check something that was not the problem", le.Msg)
			}
			t.Logf("%s: %s", tc.identifier, le.Msg)
		})
	}

	// And the same client logs alice in: the failures above are the
	// servers', not the client's.
	redirect, err := network.StartLogin(t.Context(), alice.Handle.String())
	if err != nil || !strings.HasPrefix(redirect, n.PublicURL()+"/oauth/authorize?") {
		t.Fatalf("StartLogin(alice) = %q, %v; want the PDS's authorize URL", redirect, err)
	}
}

// loginClient is an OAuth client on the local network with the PLC at
// plcURL, whose HTTP client also reaches hosts (host:port → loopback
// address) over plain HTTP.
func loginClient(t *testing.T, n *testnet.Network, plcURL string, hosts map[string]string) *oauth.Client {
	t.Helper()
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &hostsTransport{hosts: hosts, next: n.HTTPClient.Transport}}
	dir, err := identity.NewDirectory(identity.Config{PLCURL: plcURL, HTTPClient: hc, LocalHandleSuffixes: []string{testnet.Domain}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := oauth.New(oauth.Config{LocalAddr: "127.0.0.1:8080", HTTPClient: hc, Directory: dir},
		storetest.SQLite(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// hostsTransport sends https requests for the hosts it knows to their
// loopback address over plain HTTP, and every other request to next.
type hostsTransport struct {
	hosts map[string]string
	next  http.RoundTripper
}

func (h *hostsTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	addr, ok := h.hosts[r.URL.Host+":443"]
	if !ok {
		return h.next.RoundTrip(r)
	}
	out := r.Clone(r.Context())
	out.URL.Scheme, out.URL.Host, out.Host = "http", addr, r.URL.Host
	return http.DefaultTransport.RoundTrip(out)
}

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
