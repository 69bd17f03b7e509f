package main

import (
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bluesky-social/indigo/atproto/identity"
)

// TestLexNetworkIsGuarded: the lex tools reach hosts named by DNS records
// and DID documents anyone can write, so their client refuses loopback and
// private addresses unless -allow-private is given (development).
func TestLexNetworkIsGuarded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "internal secret")
	}))
	defer srv.Close()
	for _, tc := range []struct {
		args []string
		ok   bool
	}{{nil, false}, {[]string{"-allow-private"}, true}} {
		fset := flag.NewFlagSet("resolve", flag.ContinueOnError)
		nf := addNetFlags(fset)
		if err := fset.Parse(append(tc.args, "-plc", "https://plc.example")); err != nil {
			t.Fatal(err)
		}
		r := nf.resolver(lexEnv{})
		dir, ok := r.Directory.(*identity.BaseDirectory)
		if !ok {
			t.Fatalf("directory is %T", r.Directory)
		}
		for name, client := range map[string]*http.Client{"resolver": r.HTTPClient, "directory": &dir.HTTPClient} {
			resp, err := client.Get(srv.URL)
			if err == nil {
				resp.Body.Close()
			}
			if (err == nil) != tc.ok {
				t.Errorf("%v %s client: GET %s: err = %v, want ok=%v", tc.args, name, srv.URL, err, tc.ok)
			}
		}
	}
}
