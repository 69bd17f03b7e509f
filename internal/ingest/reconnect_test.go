package ingest

import (
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/statusphere/statusphere/internal/testnet"
)

// tcpProxy forwards connections to target until the test cuts them
// (close) or stalls them (data stops flowing both ways, the connections
// stay open; connections made later flow).
type tcpProxy struct {
	ln      net.Listener
	target  string
	mu      sync.Mutex
	conns   []net.Conn
	stalls  []*atomic.Bool // one per connection pair
	accepts chan time.Time
}

func startTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target, accepts: make(chan time.Time, 100)}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.cut() })
	return p
}

func (p *tcpProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		stalled := new(atomic.Bool)
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.stalls = append(p.stalls, stalled)
		p.mu.Unlock()
		select {
		case p.accepts <- time.Now():
		default:
		}
		go pipe(c, up, stalled)
		go pipe(up, c, stalled)
	}
}

// pipe copies from src to dst, dropping what it reads once stalled.
func pipe(dst, src net.Conn, stalled *atomic.Bool) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !stalled.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			dst.Close()
			return
		}
	}
}

// cut closes every connection.
func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns, p.stalls = nil, nil
}

// stall stops the flow on every current connection.
func (p *tcpProxy) stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.stalls {
		s.Store(true)
	}
}

// nextAccept waits for the next connection accepted after the call began
// and returns when it came.
func (p *tcpProxy) nextAccept(t *testing.T, within time.Duration) time.Time {
	t.Helper()
	select {
	case at := <-p.accepts:
		return at
	case <-time.After(within):
		t.Fatalf("no new connection within %s", within)
		return time.Time{}
	}
}

// TestReconnectAfterRepeatedCuts: through a proxy the test controls, ten
// cuts in a row (each after the connection delivered events) each end in a
// reconnect within 2 s — the backoff starts over once a connection
// delivered a frame — and a stalled connection is replaced within 30 s;
// every status written meanwhile is stored once.
func TestReconnectAfterRepeatedCuts(t *testing.T) {
	net := startNet(t, testnet.WithAccounts("bob"))
	ctx := t.Context()
	bob := net.Account("bob")
	pdsURL, err := url.Parse(net.PDSURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := startTCPProxy(t, pdsURL.Host)
	st, _ := openStore(t)
	// The production reconnect timings, not the test helper's fast ones.
	r := startIngester(t, Config{RelayURL: "ws://" + proxy.ln.Addr().String(), DisableLease: true,
		BackoffMin: 500 * time.Millisecond, BackoffMax: 10 * time.Second},
		Deps{Store: st, Directory: dids(net), Validator: catalog(t)})
	proxy.nextAccept(t, 10*time.Second)
	r.waitConnected(t)

	written := 0
	write := func() {
		t.Helper()
		ref, err := bob.CreateRecord(ctx, Collection, "", statusRecord("🦋"), nil)
		if err != nil {
			t.Fatal(err)
		}
		written++
		waitFor(t, 10*time.Second, "the status to be stored", func() bool { _, ok := stored(t, st, ref.URI); return ok })
	}
	for cut := range 10 {
		write() // the connection delivers a frame
		proxy.cut()
		cutAt := time.Now()
		at := proxy.nextAccept(t, 10*time.Second)
		if d := at.Sub(cutAt); d > 2*time.Second {
			t.Errorf("cut %d: reconnected after %s, want within 2s", cut+1, d.Round(time.Millisecond))
		} else {
			t.Logf("cut %d: reconnected after %s", cut+1, d.Round(time.Millisecond))
		}
	}
	write()

	// A stall: the connection stays open but nothing flows, pings
	// included. The ingester notices (ReadTimeout) and dials again.
	proxy.stall()
	stalledAt := time.Now()
	at := proxy.nextAccept(t, 40*time.Second)
	if d := at.Sub(stalledAt); d > 30*time.Second {
		t.Errorf("a stalled connection was replaced after %s, want within 30s", d.Round(time.Millisecond))
	} else {
		t.Logf("a stalled connection was replaced after %s", d.Round(time.Millisecond))
	}
	write()
	if n, err := st.CountStatuses(ctx); err != nil || n != int64(written) {
		t.Errorf("%d statuses stored (%v), want %d exactly", n, err, written)
	}
	if c := r.Health().Counts; c.Reconnects < 11 {
		t.Errorf("%d reconnects, want at least 11", c.Reconnects)
	}
}
