package web

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/statusphere/statusphere/internal/store"
)

// waitLong bounds waits for something that must happen; it is no timing
// assertion, only a way for a broken test to end.
const waitLong = 20 * time.Second

func eventsCases() []routeCase {
	return []routeCase{
		{name: "delivers_status", setup: func(t *testing.T, e *testEnv) *http.Request {
			go func() {
				waitForWatchers(e.s.Live, 1)
				row := e.addStatus(t, bobDID, "3kaaaaaaaaaa2", "🚀", time.Now().UTC())
				if err := e.s.Live.publish(store.TimelineEntry{Status: row, Handle: "bob.test"}); err != nil {
					t.Error(err)
				}
				e.s.Close()
			}()
			return request(http.MethodGet, "/events", "", "")
		}, check: want(http.StatusOK, "retry: 2000", "event: status", `"uri":"at://did:plc:bob00000000000000000000/xyz.statusphere.status/3kaaaaaaaaaa2"`, "@bob.test"[1:])},
		{name: "ends_after_lifetime", edit: func(d *Deps) { d.Limits.StreamLifetime = 10 * time.Millisecond }, setup: get("/events"),
			check: want(http.StatusOK, "retry: 2000")},
		{name: "server_closed", setup: func(t *testing.T, e *testEnv) *http.Request {
			e.s.Close()
			return request(http.MethodGet, "/events", "", "")
		}, check: want(http.StatusServiceUnavailable)},
	}
}

// waitForWatchers waits until the hub has n watchers.
func waitForWatchers(l *Live, n int) {
	for end := time.Now().Add(waitLong); time.Now().Before(end); time.Sleep(time.Millisecond) {
		l.mu.Lock()
		got := len(l.subs)
		l.mu.Unlock()
		if got >= n {
			return
		}
	}
}

// streamWriter is a ResponseWriter for a handler that streams in another
// goroutine: it tells when the response started.
type streamWriter struct {
	mu      sync.Mutex
	header  http.Header
	code    int
	body    bytes.Buffer
	started chan struct{}
	once    sync.Once
}

func newStreamWriter() *streamWriter {
	return &streamWriter{header: http.Header{}, started: make(chan struct{})}
}

func (w *streamWriter) Header() http.Header { return w.header }

func (w *streamWriter) WriteHeader(code int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.code == 0 {
		w.code = code
	}
}

func (w *streamWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.body.Write(p)
}

func (w *streamWriter) Flush() { w.once.Do(func() { close(w.started) }) }

func (w *streamWriter) status() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.code
}

// openStream is one GET /events from addr, served in the background.
type openStream struct {
	w      *streamWriter
	done   chan struct{}
	cancel context.CancelFunc
}

// open starts a stream and waits until it is streaming or has been answered.
func (e *testEnv) open(t *testing.T, addr string) *openStream {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/events", nil)
	req.RemoteAddr = addr + ":5000"
	s := &openStream{w: newStreamWriter(), done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(s.done)
		e.s.ServeHTTP(s.w, req)
	}()
	t.Cleanup(func() { cancel(); <-s.done })
	select {
	case <-s.w.started:
	case <-s.done:
	case <-time.After(waitLong):
		t.Fatal("GET /events neither streamed nor answered")
	}
	return s
}

// ended waits for the stream's handler to return.
func (s *openStream) ended(t *testing.T) {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(waitLong):
		t.Fatal("the stream did not end")
	}
}

// TestEventsStreamLimits: open streams are bounded per address and in all
// (429 beyond), a closed stream frees its slot, a stream ends after its
// lifetime, and Close ends every open stream.
func TestEventsStreamLimits(t *testing.T) {
	t.Run("limits", func(t *testing.T) {
		e := newTestEnv(t, func(d *Deps) { d.Limits.Streams, d.Limits.StreamsPerAddr = 3, 2 })
		codes := func(streams ...*openStream) []int {
			var out []int
			for _, s := range streams {
				out = append(out, s.w.status())
			}
			return out
		}
		a1, a2 := e.open(t, "192.0.2.1"), e.open(t, "192.0.2.1")
		a3 := e.open(t, "192.0.2.1") // a third from one address
		b1 := e.open(t, "192.0.2.2")
		c1 := e.open(t, "192.0.2.3") // a fourth in all
		got, wantCodes := codes(a1, a2, a3, b1, c1), []int{200, 200, 429, 200, 429}
		for i := range got {
			if got[i] != wantCodes[i] {
				t.Fatalf("status codes %v, want %v", got, wantCodes)
			}
		}
		a1.cancel()
		a1.ended(t)
		if again := e.open(t, "192.0.2.1"); again.w.status() != http.StatusOK {
			t.Errorf("after one stream closed, a new one got %d", again.w.status())
		}
	})
	t.Run("lifetime", func(t *testing.T) {
		e := newTestEnv(t, func(d *Deps) { d.Limits.StreamLifetime = 50 * time.Millisecond })
		s := e.open(t, "192.0.2.1")
		s.ended(t)
		if s.w.status() != http.StatusOK {
			t.Errorf("status %d", s.w.status())
		}
	})
	t.Run("close", func(t *testing.T) {
		e := newTestEnv(t)
		s1, s2 := e.open(t, "192.0.2.1"), e.open(t, "192.0.2.2")
		e.s.Close()
		s1.ended(t)
		s2.ended(t)
		if late := e.open(t, "192.0.2.1"); late.w.status() != http.StatusServiceUnavailable {
			t.Errorf("a stream opened after Close got %d", late.w.status())
		}
	})
}

// TestShutdownWithOpenStream: with an open /events stream, an HTTP server
// that calls Close on shutdown (as package app does) shuts down at once
// instead of waiting for the stream.
func TestShutdownWithOpenStream(t *testing.T) {
	e := newTestEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: e.s}
	srv.RegisterOnShutdown(e.s.Close)
	go srv.Serve(ln) //nolint:errcheck // ends with ErrServerClosed
	resp, err := http.Get("http://" + ln.Addr().String() + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "retry:") {
		t.Fatalf("stream starts with %q, %v", line, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), waitLong)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with an open stream: %v", err)
	}
	if _, err := resp.Body.Read(make([]byte, 64)); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the stream is still open after shutdown (read err %v)", err)
	}
}
