package pds

import (
	"io"
	"net/http"
	"testing"
)

func TestSubscribeReposURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://relay.example.com", "wss://relay.example.com/xrpc/com.atproto.sync.subscribeRepos"},
		{"http://127.0.0.1:2583/", "ws://127.0.0.1:2583/xrpc/com.atproto.sync.subscribeRepos"},
		{"wss://jet.example.com/subscribe?x=1", "wss://jet.example.com/subscribe"},
		{"ftp://example.com", ""},
		{"https://", ""},
	} {
		u, err := SubscribeReposURL(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("SubscribeReposURL(%q) = %s, want an error", tc.in, u)
			}
			continue
		}
		if err != nil || u.String() != tc.want {
			t.Errorf("SubscribeReposURL(%q) = %v, %v; want %s", tc.in, u, err, tc.want)
		}
	}
}

func TestHealth(t *testing.T) {
	c, host := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/xrpc/_health" {
			http.Error(w, "no", http.StatusNotFound)
			return
		}
		io.WriteString(w, `{"version":"0.4.0"}`)
	})
	if err := c.Health(t.Context(), host); err != nil {
		t.Fatal(err)
	}
	c, host = serve(t, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) })
	if name, status := ErrorName(c.Health(t.Context(), host)); status != http.StatusServiceUnavailable {
		t.Fatalf("Health of a server that is down: %q %d", name, status)
	}
}
