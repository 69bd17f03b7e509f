package oauth

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store/storetest"
)

func newTestClient(t *testing.T) *Client {
	t.Helper()
	dir := identity.NewMockDirectory()
	c, err := New(Config{LocalAddr: "127.0.0.1:8080", HTTPClient: &http.Client{Timeout: time.Second}, Directory: dir},
		storetest.SQLite(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLoopbackClientConfig(t *testing.T) {
	c := newTestClient(t)
	if c.IsConfidential() {
		t.Fatal("a loopback client must be public")
	}
	m := c.Metadata()
	if len(m.RedirectURIs) != 1 || m.RedirectURIs[0] != "http://127.0.0.1:8080/oauth/callback" {
		t.Errorf("redirect URIs = %v", m.RedirectURIs)
	}
	if m.Scope != "atproto repo:xyz.statusphere.status repo:org.gostatusphere.note" {
		t.Errorf("scope = %q", m.Scope)
	}
}

func TestSessionLockSerialisesAndForgets(t *testing.T) {
	c := newTestClient(t)
	did := syntax.DID("did:plc:locktest")
	var mu sync.Mutex
	inside, maxInside := 0, 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			unlock := c.lock(did, "s1")
			mu.Lock()
			inside++
			maxInside = max(maxInside, inside)
			mu.Unlock()
			time.Sleep(2 * time.Millisecond)
			mu.Lock()
			inside--
			mu.Unlock()
			unlock()
		})
	}
	// Another session is not held up by the first.
	done := make(chan struct{})
	go func() { c.lock(did, "s2")(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("a different session waited for another's lock")
	}
	wg.Wait()
	if maxInside != 1 {
		t.Errorf("%d holders at once, want 1", maxInside)
	}
	c.mu.Lock()
	left := len(c.locks)
	c.mu.Unlock()
	if left != 0 {
		t.Errorf("%d locks left in the map after use", left)
	}
}

func TestStartLoginRefusesBadIdentifiers(t *testing.T) {
	c := newTestClient(t)
	for _, id := range []string{"", "   ", "not a handle!", "did:nope", "@"} {
		_, err := c.StartLogin(t.Context(), id)
		var le *LoginError
		if !errors.As(err, &le) || le.Msg == "" {
			t.Errorf("StartLogin(%q) = %v, want a LoginError with a message", id, err)
		}
	}
}

func TestFinishLoginCancelledAndUnknown(t *testing.T) {
	c := newTestClient(t)
	_, _, err := c.FinishLogin(t.Context(), map[string][]string{"error": {"access_denied"}, "state": {"x"}}, "")
	var le *LoginError
	if !errors.As(err, &le) || le.Msg != "Sign-in was cancelled." {
		t.Errorf("cancelled: %v", err)
	}
	_, _, err = c.FinishLogin(t.Context(), map[string][]string{"state": {"unknown"}, "code": {"c"}, "iss": {"https://pds.test"}}, "urn:x")
	if !errors.As(err, &le) {
		t.Errorf("unknown state: %v, want a LoginError", err)
	}
}

func TestRequestURI(t *testing.T) {
	got := RequestURI("https://pds.test/oauth/authorize?client_id=x&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Areq-1")
	if got != "urn:ietf:params:oauth:request_uri:req-1" {
		t.Errorf("RequestURI = %q", got)
	}
	if RequestURI("::bad") != "" {
		t.Error("a bad URL gave a request URI")
	}
}
