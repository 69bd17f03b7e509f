package app_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/statusphere/statusphere/internal/pds"
	"github.com/statusphere/statusphere/internal/pgtest"
	"github.com/statusphere/statusphere/internal/testnet"
)

// TestOpsListener: /metrics, the detailed health and pprof answer only on
// the ops address (404 on the public one); the public /healthz stays 200
// while the relay is unreachable, while /readyz goes 503 and back; with
// Postgres stopped the public /healthz is 503 without any database error
// text, and both come back when it restarts.
func TestOpsListener(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts())
	pg := pgtest.StartServer(t)
	firehose, err := pds.SubscribeReposURL(n.PDSURL)
	if err != nil {
		t.Fatal(err)
	}
	relay := startFlakyProxy(t, firehose.Host)
	firehose.Host = relay.addr
	a := startAppWith(t, n, []string{"-database-url", pg.URL(), "-relay-url", firehose.String(),
		"-backfill-on-start=false", "-ready-max-disconnected=0s"})
	c := &http.Client{Timeout: 10 * time.Second}

	for _, path := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/cmdline", "/readyz"} {
		if code, _ := get(t, c, a.URL()+path); code != http.StatusNotFound {
			t.Errorf("public %s = %d, want 404", path, code)
		}
	}
	for path, want := range map[string]string{"/metrics": "statusphere_build_info{", "/debug/pprof/": "goroutine", "/debug/pprof/cmdline": "", "/healthz": `"dialect":"postgres"`} {
		if code, body := get(t, c, a.OpsURL()+path); code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("ops %s = %d %.200s, want 200 with %q", path, code, body, want)
		}
	}
	waitStatus(t, c, a.OpsURL()+"/readyz", http.StatusOK, "the ingester connected")

	// The relay goes away: the site stays up, readiness says why not.
	relay.down()
	code, body := get(t, c, a.OpsURL()+"/readyz")
	for code == http.StatusOK {
		time.Sleep(50 * time.Millisecond)
		code, body = get(t, c, a.OpsURL()+"/readyz")
	}
	var ready struct {
		OK     bool
		Ingest struct{ OK, Connected bool }
	}
	if err := json.Unmarshal([]byte(body), &ready); err != nil || code != http.StatusServiceUnavailable || ready.OK || ready.Ingest.OK || ready.Ingest.Connected {
		t.Errorf("/readyz with the relay down = %d %s", code, body)
	}
	if code, body := get(t, c, a.URL()+"/healthz"); code != http.StatusOK || strings.TrimSpace(body) != `{"ok":true}` {
		t.Errorf("public /healthz with the relay down = %d %s, want 200 {\"ok\":true}", code, body)
	}
	relay.up()
	waitStatus(t, c, a.OpsURL()+"/readyz", http.StatusOK, "the ingester reconnected")

	// Postgres goes away: liveness fails with no detail at all.
	pg.Stop()
	waitStatus(t, c, a.URL()+"/healthz", http.StatusServiceUnavailable, "public /healthz failing with Postgres down")
	if _, body := get(t, c, a.URL()+"/healthz"); strings.TrimSpace(body) != `{"ok":false}` {
		t.Errorf("public /healthz with Postgres down = %s, want {\"ok\":false} only", body)
	}
	if code, body := get(t, c, a.OpsURL()+"/readyz"); code != http.StatusServiceUnavailable || strings.Contains(body, "error") || strings.Contains(body, "pgtest") {
		t.Errorf("/readyz with Postgres down = %d %s, want 503 without error text", code, body)
	}
	if code, body := get(t, c, a.OpsURL()+"/healthz"); code != http.StatusServiceUnavailable || !strings.Contains(body, `"error"`) {
		t.Errorf("ops /healthz with Postgres down = %d %s, want 503 with the error", code, body)
	}
	pg.Restart()
	waitStatus(t, c, a.URL()+"/healthz", http.StatusOK, "public /healthz back with Postgres")
	waitStatus(t, c, a.OpsURL()+"/readyz", http.StatusOK, "/readyz back with Postgres")
}

// waitStatus polls u until it answers code, for up to 30s.
func waitStatus(t *testing.T, c *http.Client, u string, code int, what string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, body := get(t, c, u)
		if got == code {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s = %d %.300s, want %d within 30s", what, u, got, body, code)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// flakyProxy forwards TCP connections to target; down closes its listener
// and every connection (the host is unreachable), up listens again on the
// same address.
type flakyProxy struct {
	t      *testing.T
	addr   string
	target string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
}

func startFlakyProxy(t *testing.T, target string) *flakyProxy {
	p := &flakyProxy{t: t, addr: "127.0.0.1:0", target: target, conns: map[net.Conn]bool{}}
	p.up()
	p.addr = p.ln.Addr().String()
	t.Cleanup(p.down)
	return p
}

func (p *flakyProxy) up() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("proxy: %v", err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			go p.forward(in)
		}
	}()
}

func (p *flakyProxy) forward(in net.Conn) {
	out, err := net.Dial("tcp", p.target)
	if err != nil {
		in.Close()
		return
	}
	p.mu.Lock()
	p.conns[in], p.conns[out] = true, true
	p.mu.Unlock()
	go func() { io.Copy(out, in); out.Close() }() //nolint:errcheck // ends when either side closes
	io.Copy(in, out)                              //nolint:errcheck // ends when either side closes
	in.Close()
}

func (p *flakyProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}
