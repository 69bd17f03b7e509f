package web

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// brokenBody yields part of a body, then fails as the server's connection
// reader does when the client goes away or its read deadline passes: it
// cancels the request's context and returns err.
type brokenBody struct {
	part   io.Reader
	cancel context.CancelFunc
	err    error
}

func (b *brokenBody) Read(p []byte) (int, error) {
	if n, err := b.part.Read(p); err != io.EOF {
		return n, err
	}
	b.cancel()
	return 0, b.err
}

func (b *brokenBody) Close() error { return nil }

// TestAbortedRequestIsNotAServerError: a client that goes away mid-body,
// or whose body does not arrive in time, gets no 500 and leaves no ERROR
// line, whichever route it posted to.
func TestAbortedRequestIsNotAServerError(t *testing.T) {
	posts := []struct{ name, target, body, contentType string }{
		{"login", "/login", "handle=alice.te", "application/x-www-form-urlencoded"},
		{"status_form", "/status", "status=%F0%9F", "application/x-www-form-urlencoded"},
		{"status_json", "/status", `{"status":"`, "application/json"},
	}
	failures := map[string]error{
		"cancelled": io.ErrUnexpectedEOF,
		"timed_out": fmt.Errorf("read tcp 127.0.0.1:8080->127.0.0.1:5000: %w", os.ErrDeadlineExceeded),
	}
	for _, p := range posts {
		for fname, ferr := range failures {
			t.Run(p.name+"_"+fname, func(t *testing.T) {
				e := newTestEnv(t)
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				req := request(http.MethodPost, p.target, "", e.session(t, aliceDID)).WithContext(ctx)
				req.Header.Set("Content-Type", p.contentType)
				req.Body = &brokenBody{part: strings.NewReader(p.body), cancel: cancel, err: ferr}
				req.ContentLength = int64(len(p.body)) + 100
				w := e.do(req)
				if w.Code >= 500 && w.Code != statusClientClosed {
					t.Errorf("status %d", w.Code)
				}
				if lines := e.logs.errorLines(); len(lines) != 0 {
					t.Errorf("ERROR logged: %q", lines)
				}
				if len(e.records.writes()) != 0 || e.auth.startCount() != 0 {
					t.Error("a cut-off request was acted on")
				}
			})
		}
	}
	t.Run("real_server_slow_body", func(t *testing.T) { abortOverTCP(t, false) })
	t.Run("real_server_client_gone", func(t *testing.T) { abortOverTCP(t, true) })
}

// abortOverTCP posts a partial body to a real http.Server with a short
// read timeout, then hangs up (gone) or waits for the answer.
func abortOverTCP(t *testing.T, gone bool) {
	e := newTestEnv(t)
	done := make(chan struct{}, 1)
	srv := &http.Server{ReadTimeout: 200 * time.Millisecond, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.s.ServeHTTP(w, r)
		done <- struct{}{}
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln) //nolint:errcheck // ends with ErrServerClosed
	t.Cleanup(func() { srv.Close() })
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /status HTTP/1.1\r\nHost: %s\r\nCookie: %s=%s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nstatus=", ln.Addr(), cookieName, e.session(t, aliceDID))
	if gone {
		conn.Close()
	} else {
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				t.Errorf("status %d", resp.StatusCode)
			}
		}
	}
	select {
	case <-done:
	case <-time.After(waitLong):
		t.Fatal("the handler did not return")
	}
	if lines := e.logs.errorLines(); len(lines) != 0 {
		t.Errorf("ERROR logged: %q", lines)
	}
}
