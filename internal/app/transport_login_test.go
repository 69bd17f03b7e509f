package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/statusphere/statusphere/internal/config"
	"github.com/statusphere/statusphere/internal/pds"
	"github.com/statusphere/statusphere/internal/testlog"
)

// testLoginBodyCap, a subtest of TestOutboundBodyCap: a login (POST /login through the app built by
// New, ingest off) for the handle evil.test, whose did:web document is
// 100 MiB, fails with a readable page and a log line naming the cap, and
// allocates less than 16 MiB while it runs.
func testLoginBodyCap(t *testing.T) {
	evil := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/atproto-did" {
			io.WriteString(w, "did:web:evil.test")
			return
		}
		hugeAnswer(w, r)
	}))
	defer evil.Close()
	// https://evil.test reaches the TLS server (its certificate is for
	// example.com); the production caps wrap it.
	tr := evil.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig = tr.TLSClientConfig.Clone()
	tr.TLSClientConfig.ServerName = "example.com"
	var d net.Dialer
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, evil.Listener.Addr().String())
	}
	client := &http.Client{Transport: capBodies(tr)}

	cfg, err := config.Parse("serve", []string{"-addr", "127.0.0.1:0", "-database-url", filepath.Join(t.TempDir(), "db"), "-ingest=false"},
		func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(io.MultiWriter(testlog.NewSink(t), logs), nil))
	a, err := New(t.Context(), cfg, log, WithHTTPClient(client), WithLocalHandleSuffixes(".test"), WithListener(ln))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Store.Close()

	origin := "http://" + ln.Addr().String()
	req := httptest.NewRequest(http.MethodPost, origin+"/login", strings.NewReader(url.Values{"handle": {"evil.test"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	rec := httptest.NewRecorder()

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	a.Web.ServeHTTP(rec, req)
	runtime.ReadMemStats(&after)

	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("POST /login = %d; allocated %d KiB", rec.Code, alloc>>10)
	if rec.Code < 400 || rec.Code >= 500 {
		t.Errorf("POST /login = %d, want a 4xx page", rec.Code)
	}
	if !strings.Contains(logs.String(), pds.ErrTooLarge.Error()) {
		t.Errorf("no log line names the cap:\n%s", logs)
	}
	if alloc > 16<<20 {
		t.Errorf("the login allocated %d MiB, want < 16 MiB", alloc>>20)
	}
}

// lockedBuffer is a bytes.Buffer safe for concurrent writers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
