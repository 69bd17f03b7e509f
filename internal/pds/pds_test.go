package pds

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/bluesky-social/indigo/atproto/atclient"
	"github.com/bluesky-social/indigo/atproto/syntax"
)

const testDID = syntax.DID("did:plc:abcdefghijklmnopqrstuvwx")

// serve starts a server answering every request with h and returns a
// client for it.
func serve(t *testing.T, h http.HandlerFunc) (*Client, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return New(srv.Client(), "statusphere-test"), srv.URL
}

func TestGetRecord(t *testing.T) {
	t.Run("found", func(t *testing.T) {
		c, host := serve(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/xrpc/com.atproto.repo.getRecord" || r.URL.Query().Get("rkey") != "self" {
				http.Error(w, "wrong request "+r.URL.String(), http.StatusBadRequest)
				return
			}
			if ua := r.Header.Get("User-Agent"); ua != "statusphere-test" {
				http.Error(w, "user agent "+ua, http.StatusBadRequest)
				return
			}
			io.WriteString(w, `{"uri":"at://`+testDID.String()+`/app.bsky.actor.profile/self","cid":"bafy","value":{"displayName":"Alice"}}`)
		})
		name, err := c.DisplayName(context.Background(), host, testDID)
		if err != nil || name != "Alice" {
			t.Fatalf("DisplayName = %q, %v; want Alice", name, err)
		}
	})
	t.Run("not found", func(t *testing.T) {
		c, host := serve(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"RecordNotFound","message":"Could not locate record"}`)
		})
		_, err := c.GetRecord(context.Background(), host, testDID, "app.bsky.actor.profile", "self")
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	})
	t.Run("too large", func(t *testing.T) {
		c, host := serve(t, func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"value":"`+strings.Repeat("x", MaxJSONBytes)+`"}`)
		})
		_, err := c.GetRecord(context.Background(), host, testDID, "app.bsky.actor.profile", "self")
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
	})
}

func TestErrorAnswers(t *testing.T) {
	c, host := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotImplemented)
		io.WriteString(w, `{"error":"MethodNotImplemented","message":"no"}`)
	})
	_, err := c.ListReposByCollection(context.Background(), host, "xyz.statusphere.status", "", 10)
	var ae *atclient.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusNotImplemented || ae.Name != "MethodNotImplemented" {
		t.Fatalf("err = %v, want an *atclient.APIError 501 MethodNotImplemented", err)
	}
	if name, status := ErrorName(err); name != "MethodNotImplemented" || status != 501 {
		t.Fatalf("ErrorName = %q, %d", name, status)
	}
	if name, status := ErrorName(errors.New("dial failed")); name != "" || status != 0 {
		t.Fatalf("ErrorName of a transport error = %q, %d", name, status)
	}
}

func TestListRepos(t *testing.T) {
	c, host := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("cursor") != "c1" || r.URL.Query().Get("limit") != "2" {
			http.Error(w, "bad query "+r.URL.RawQuery, http.StatusBadRequest)
			return
		}
		io.WriteString(w, `{"cursor":"c2","repos":[{"did":"`+testDID.String()+`","active":true},{"did":"not a did"},{"did":"did:plc:zzzzzzzzzzzzzzzzzzzzzzzz","active":false}]}`)
	})
	page, err := c.ListRepos(context.Background(), host, "c1", 2)
	if err != nil {
		t.Fatal(err)
	}
	if page.Cursor != "c2" || page.Listed != 3 || len(page.Repos) != 2 {
		t.Fatalf("page = %+v", page)
	}
	if !page.Repos[0].Active || page.Repos[1].Active {
		t.Fatalf("active flags = %+v", page.Repos)
	}
}

func TestGetRepoCap(t *testing.T) {
	body := strings.Repeat("c", 1000)
	c, host := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("did") != testDID.String() {
			http.Error(w, "bad did", http.StatusBadRequest)
			return
		}
		io.WriteString(w, body)
	})
	for _, tc := range []struct {
		name string
		max  int64
		ok   bool
	}{{"under the cap", 2000, true}, {"exactly the cap", 1000, true}, {"over the cap", 999, false}} {
		t.Run(tc.name, func(t *testing.T) {
			rc, err := c.GetRepo(context.Background(), host, testDID, tc.max)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if tc.ok && (err != nil || string(b) != body) {
				t.Fatalf("read %d bytes, %v", len(b), err)
			}
			if !tc.ok && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("err = %v, want ErrTooLarge", err)
			}
		})
	}
}

// TestGetRepoReadError: a body that fails right at the cap (a transport
// below with its own cap, a cut connection) is that failure, not a clean
// end of the repository.
func TestGetRepoReadError(t *testing.T) {
	broken := errors.New("connection cut")
	c := New(&http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		body := io.MultiReader(strings.NewReader("0123456789"), iotest.ErrReader(broken))
		return &http.Response{StatusCode: 200, Body: io.NopCloser(body), Header: http.Header{}, Request: r}, nil
	})}, "")
	rc, err := c.GetRepo(t.Context(), "https://pds.example.com", testDID, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.ReadAll(rc); !errors.Is(err, broken) {
		t.Fatalf("err = %v, want the read error", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
