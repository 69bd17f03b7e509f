package identity

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/syntax"
)

const (
	alice = syntax.DID("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa")
	carol = syntax.DID("did:plc:cccccccccccccccccccccccc")
	dave  = syntax.DID("did:web:dave.test")
)

// network is a PLC directory (plain HTTP) and the HTTPS hosts of *.test
// handles and did:web documents (one TLS server, by Host), with the client
// that reaches them. It counts the requests it answers.
type network struct {
	plc    *httptest.Server
	client *http.Client

	mu       sync.Mutex
	docs     map[syntax.DID]string // DID → document, PLC or did:web
	handles  map[string]string     // host → its /.well-known/atproto-did
	requests map[string]int        // host+path → count
	agents   map[string]bool       // User-Agent headers seen
}

func newNetwork(t *testing.T) *network {
	t.Helper()
	n := &network{docs: map[syntax.DID]string{}, handles: map[string]string{}, requests: map[string]int{}, agents: map[string]bool{}}
	n.plc = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.serve(w, r, syntax.DID(strings.TrimPrefix(r.URL.Path, "/")))
	}))
	t.Cleanup(n.plc.Close)
	hosts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := strings.Cut(r.Host, ":")
		switch r.URL.Path {
		case "/.well-known/atproto-did":
			n.mu.Lock()
			did, ok := n.handles[host]
			n.count(r)
			n.mu.Unlock()
			if !ok {
				http.NotFound(w, r)
				return
			}
			io.WriteString(w, did)
		case "/.well-known/did.json":
			n.serve(w, r, syntax.DID("did:web:"+host))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(hosts.Close)
	// https://<anything>.test goes to the TLS server, which holds a
	// certificate for example.com.
	tr := hosts.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig = tr.TLSClientConfig.Clone()
	tr.TLSClientConfig.ServerName = "example.com"
	var d net.Dialer
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if host, _, _ := net.SplitHostPort(addr); strings.HasSuffix(host, ".test") {
			addr = hosts.Listener.Addr().String()
		}
		return d.DialContext(ctx, network, addr)
	}
	n.client = &http.Client{Transport: tr}
	return n
}

// serve answers did's document, or 404.
func (n *network) serve(w http.ResponseWriter, r *http.Request, did syntax.DID) {
	n.mu.Lock()
	doc, ok := n.docs[did]
	n.count(r)
	n.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, doc)
}

// count records r; the caller holds n.mu.
func (n *network) count(r *http.Request) {
	host, _, _ := strings.Cut(r.Host, ":")
	n.requests[host+r.URL.Path]++
	n.agents[r.Header.Get("User-Agent")] = true
}

// add publishes did's document claiming handle, with a PDS.
func (n *network) add(did syntax.DID, handle string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.docs[did] = fmt.Sprintf(`{"id":%q,"alsoKnownAs":["at://%s"],"service":[{"id":"#atproto_pds","type":"AtprotoPersonalDataServer","serviceEndpoint":"https://pds.test"}]}`, did, handle)
}

// point makes host's well-known name did.
func (n *network) point(host string, did syntax.DID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.handles[host] = did.String()
}

func (n *network) asked(hostPath string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.requests[hostPath]
}

func (n *network) directory() identity.Directory {
	dir, err := NewDirectory(Config{PLCURL: n.plc.URL, HTTPClient: n.client, LocalHandleSuffixes: []string{".test"}, UserAgent: "statusphere-test"})
	if err != nil {
		panic(err)
	}
	return dir
}

func TestLookupHandle(t *testing.T) {
	n := newNetwork(t)
	n.add(alice, "alice.test")
	n.point("alice.test", alice)
	n.point("mallory.test", alice) // claims alice's DID; alice's document does not claim it
	n.add(dave, "dave.test")
	n.point("dave.test", dave)
	dir := n.directory()

	t.Run("did:plc over the HTTPS well-known", func(t *testing.T) {
		id, err := dir.LookupHandle(t.Context(), "Alice.Test")
		if err != nil {
			t.Fatal(err)
		}
		if id.DID != alice || id.Handle != "alice.test" || id.PDSEndpoint() != "https://pds.test" {
			t.Fatalf("identity = %s %s %s", id.DID, id.Handle, id.PDSEndpoint())
		}
		if n.asked("alice.test/.well-known/atproto-did") != 1 {
			t.Errorf("the well-known was asked %d times", n.asked("alice.test/.well-known/atproto-did"))
		}
	})
	t.Run("did:web", func(t *testing.T) {
		id, err := dir.LookupHandle(t.Context(), "dave.test")
		if err != nil || id.DID != dave || id.Handle != "dave.test" {
			t.Fatalf("identity = %+v, %v", id, err)
		}
	})
	t.Run("the document does not claim the handle", func(t *testing.T) {
		_, err := dir.LookupHandle(t.Context(), "mallory.test")
		if !errors.Is(err, identity.ErrHandleMismatch) {
			t.Fatalf("err = %v, want ErrHandleMismatch", err)
		}
	})
	t.Run("no such handle", func(t *testing.T) {
		// indigo's ResolveHandle answers ("", nil) when DNS is skipped and
		// the well-known fails, so the error is the empty DID's, not
		// ErrHandleNotFound; what matters is that the lookup fails.
		id, err := dir.LookupHandle(t.Context(), "nobody.test")
		if err == nil || id != nil {
			t.Fatalf("LookupHandle = %+v, %v; want an error", id, err)
		}
		if n.asked("nobody.test/.well-known/atproto-did") != 1 {
			t.Errorf("the well-known was not asked")
		}
	})
	if !n.agents["statusphere-test"] || len(n.agents) != 1 {
		t.Errorf("user agents sent: %v", n.agents)
	}
}

func TestLookupDID(t *testing.T) {
	n := newNetwork(t)
	n.add(alice, "alice.test")
	n.point("alice.test", alice)
	n.add(carol, "alice.test") // claims alice's handle, which names alice
	dir := n.directory()

	t.Run("verified both ways", func(t *testing.T) {
		id, err := dir.LookupDID(t.Context(), alice)
		if err != nil || id.Handle != "alice.test" {
			t.Fatalf("identity = %+v, %v", id, err)
		}
	})
	t.Run("a handle that names another DID", func(t *testing.T) {
		id, err := dir.LookupDID(t.Context(), carol)
		if err != nil || !id.Handle.IsInvalidHandle() {
			t.Fatalf("identity = %+v, %v; want handle.invalid", id, err)
		}
	})
	t.Run("a handle that does not resolve", func(t *testing.T) {
		n.add(dave, "gone.test")
		id, err := dir.LookupDID(t.Context(), dave)
		if err != nil || !id.Handle.IsInvalidHandle() {
			t.Fatalf("identity = %+v, %v; want handle.invalid", id, err)
		}
	})
	t.Run("no such DID", func(t *testing.T) {
		_, err := dir.LookupDID(t.Context(), "did:plc:zzzzzzzzzzzzzzzzzzzzzzzz")
		if !errors.Is(err, identity.ErrDIDNotFound) {
			t.Fatalf("err = %v, want ErrDIDNotFound", err)
		}
		if _, err := dir.LookupDID(t.Context(), "did:web:nowhere.test"); !errors.Is(err, identity.ErrDIDNotFound) {
			t.Fatalf("did:web: err = %v, want ErrDIDNotFound", err)
		}
	})
}

func TestDirectoryCaches(t *testing.T) {
	n := newNetwork(t)
	n.add(alice, "alice.test")
	n.point("alice.test", alice)
	dir := n.directory()
	plcPath := func() int {
		n.mu.Lock()
		defer n.mu.Unlock()
		total := 0
		for k, v := range n.requests {
			if strings.HasSuffix(k, "/"+alice.String()) {
				total += v
			}
		}
		return total
	}
	for range 3 {
		if _, err := dir.LookupDID(t.Context(), alice); err != nil {
			t.Fatal(err)
		}
		if _, err := dir.LookupHandle(t.Context(), "alice.test"); err != nil {
			t.Fatal(err)
		}
	}
	if got := plcPath(); got != 1 {
		t.Fatalf("the DID document was fetched %d times for 6 lookups, want 1", got)
	}
	if got := n.asked("alice.test/.well-known/atproto-did"); got != 1 {
		t.Fatalf("the handle was resolved %d times, want 1", got)
	}
	// A purged identity is fetched afresh, and sees the change.
	n.add(alice, "alice2.test")
	n.point("alice2.test", alice)
	if err := dir.Purge(t.Context(), alice.AtIdentifier()); err != nil {
		t.Fatal(err)
	}
	id, err := dir.LookupDID(t.Context(), alice)
	if err != nil || id.Handle != "alice2.test" || plcPath() != 2 {
		t.Fatalf("after a purge: %+v, %v, %d fetches", id, err, plcPath())
	}
}

// TestDirectorySettings: a directory needs its PLC URL spelled out (no
// silent public default), and never resolves handles by dialling the
// nameservers a zone names (that dial would bypass the SSRF guard).
func TestDirectorySettings(t *testing.T) {
	if _, err := NewDirectory(Config{}); err == nil {
		t.Error("NewDirectory without a PLC URL succeeded")
	}
	base, err := newBaseDirectory(Config{PLCURL: "https://plc.example"})
	if err != nil {
		t.Fatal(err)
	}
	if base.TryAuthoritativeDNS {
		t.Error("TryAuthoritativeDNS is on: handle lookups would dial an attacker-named nameserver unguarded")
	}
	if base.PLCURL != "https://plc.example" {
		t.Errorf("PLCURL = %q", base.PLCURL)
	}
}
