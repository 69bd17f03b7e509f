package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"

	"github.com/statusphere/statusphere/internal/pds"
)

func TestHTTPClientRefusesLoopbackUnlessTrusted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()

	resp, err := newHTTPClient().Get(srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatal("the production client reached a loopback address")
	}
	resp, err = newHTTPClient(srv.URL).Get(srv.URL + "/did:plc:x")
	if err != nil {
		t.Fatalf("the configured PLC host was refused: %v", err)
	}
	resp.Body.Close()
}

// The JSON around hugeAnswer's padding.
var head, tail = []byte(`{"id":"did:web:evil.test","pad":"`), []byte(`"}`)

// hugeAnswer answers every request with a JSON document of about 100 MiB
// (a string field of ?size= bytes, default 100 MiB) and the Content-Type
// of ?type=, streamed without holding it in memory. ?length=1 sends a
// Content-Length.
func hugeAnswer(w http.ResponseWriter, r *http.Request) {
	size := 100 << 20
	if s := r.URL.Query().Get("size"); s != "" {
		size, _ = strconv.Atoi(s)
	}
	if r.URL.Query().Get("length") != "" {
		w.Header().Set("Content-Length", strconv.Itoa(len(head)+size+len(tail)))
	}
	if ct := r.URL.Query().Get("type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	if _, err := w.Write(head); err != nil {
		return
	}
	chunk := bytes.Repeat([]byte("a"), 64<<10)
	for size > 0 {
		n := min(size, len(chunk))
		if _, err := w.Write(chunk[:n]); err != nil {
			return // the client stopped reading
		}
		size -= n
	}
	w.Write(tail) //nolint:errcheck // the client may be gone
}

// TestOutboundBodyCap: the production client caps every answer's body by
// what was asked for. A DID document of 100 MiB, decoded the way indigo
// decodes one (a json.Decoder on the whole body), fails after 1 MiB and
// the heap grows by less than 16 MiB: TotalAlloc, every byte allocated in
// between, bounds the heap's growth at any moment, where HeapAlloc after a
// GC would not see memory that was allocated and dropped.
func TestOutboundBodyCap(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(hugeAnswer))
	defer srv.Close()
	client := newHTTPClient(srv.URL)

	t.Run("DID document", func(t *testing.T) {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		// The server says CAR: the cap is chosen by the request, not by that.
		resp, err := client.Get(srv.URL + "/.well-known/did.json?type=application/vnd.ipld.car")
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		err = json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		runtime.ReadMemStats(&after)
		if !errors.Is(err, pds.ErrTooLarge) {
			t.Fatalf("decoding a 100 MiB DID document: %v, want pds.ErrTooLarge", err)
		}
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("error: %v; allocated %d KiB, heap grew by %d KiB", err, alloc>>10, (int64(after.HeapAlloc)-int64(before.HeapAlloc))>>10)
		if alloc > 16<<20 {
			t.Errorf("reading the document allocated %d MiB, want < 16 MiB", alloc>>20)
		}
	})
	t.Run("login", testLoginBodyCap)
	t.Run("Content-Length over the cap", func(t *testing.T) {
		resp, err := client.Get(srv.URL + "/.well-known/oauth-protected-resource?length=1")
		if err == nil {
			resp.Body.Close()
		}
		if !errors.Is(err, pds.ErrTooLarge) {
			t.Fatalf("err = %v, want pds.ErrTooLarge before reading", err)
		}
	})

	for _, tc := range []struct {
		name, method, path string
		size, want         int // body size; bytes read before the cap, -1 for all
	}{
		{"exactly the document cap", http.MethodGet, "/.well-known/did.json", maxDocumentBytes - len(head) - len(tail), -1},
		{"a POST named like getRepo", http.MethodPost, "/xrpc/com.atproto.sync.getRepo", 100 << 20, maxDocumentBytes},
		{"a path under an XRPC method", http.MethodGet, "/xrpc/com.atproto.sync.getRepo/did.json", 100 << 20, maxDocumentBytes},
		{"an XRPC query", http.MethodGet, "/xrpc/com.atproto.repo.listRecords", 100 << 20, maxXRPCQueryBytes},
		{"a repository export", http.MethodGet, "/xrpc/com.atproto.sync.getRepo", 100 << 20, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tc.method, srv.URL+tc.path+"?size="+strconv.Itoa(tc.size), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			n, err := io.Copy(io.Discard, resp.Body)
			if tc.want < 0 {
				if err != nil || n != int64(len(head)+tc.size+len(tail)) {
					t.Fatalf("read %d bytes: %v, want the whole answer", n, err)
				}
				return
			}
			if !errors.Is(err, pds.ErrTooLarge) || n != int64(tc.want) {
				t.Fatalf("read %d bytes: %v, want pds.ErrTooLarge after %d", n, err, tc.want)
			}
		})
	}
}
