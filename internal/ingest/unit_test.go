package ingest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/atdata"
	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/prometheus/client_golang/prometheus"

	appidentity "github.com/statusphere/statusphere/internal/identity"
	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/store"
)

func TestRelaySubscribeURL(t *testing.T) {
	cases := []struct{ in, want string }{
		{"wss://bsky.network", "wss://bsky.network/xrpc/com.atproto.sync.subscribeRepos"},
		{"https://bsky.network/", "wss://bsky.network/xrpc/com.atproto.sync.subscribeRepos"},
		{"http://127.0.0.1:2583", "ws://127.0.0.1:2583/xrpc/com.atproto.sync.subscribeRepos"},
		{"ws://127.0.0.1:1/xrpc/com.atproto.sync.subscribeRepos?cursor=5", "ws://127.0.0.1:1/xrpc/com.atproto.sync.subscribeRepos"},
		{"ftp://x", ""},
		{"wss://", ""},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			u, err := relaySubscribeURL(tc.in)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("relaySubscribeURL(%q) = %s, want an error", tc.in, u)
				}
				return
			}
			if err != nil || u.String() != tc.want {
				t.Fatalf("relaySubscribeURL(%q) = %v, %v; want %s", tc.in, u, err, tc.want)
			}
		})
	}
}

func TestNew(t *testing.T) {
	st, _ := openStore(t)
	cat := catalog(t)
	dir := identity.NewMockDirectory()
	cases := []struct {
		name    string
		cfg     Config
		deps    Deps
		source  string
		wantErr bool
	}{
		{"defaults", Config{}, Deps{Store: st, Validator: cat, Directory: dir}, "relay:bsky.network", false},
		{"jetstream", Config{Source: SourceJetstream}, Deps{Store: st, Validator: cat}, "jetstream:jetstream2.us-east.bsky.network", false},
		{"relay without directory", Config{}, Deps{Store: st, Validator: cat}, "", true},
		{"no store", Config{}, Deps{Validator: cat, Directory: dir}, "", true},
		{"no validator", Config{}, Deps{Store: st, Directory: dir}, "", true},
		{"bad source", Config{Source: "carrier-pigeon"}, Deps{Store: st, Validator: cat, Directory: dir}, "", true},
		{"bad URL", Config{RelayURL: "bsky.network"}, Deps{Store: st, Validator: cat, Directory: dir}, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ing, err := New(tc.cfg, tc.deps)
			if tc.wantErr {
				if err == nil {
					t.Fatal("New succeeded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ing.SourceName() != tc.source {
				t.Errorf("source %q, want %q", ing.SourceName(), tc.source)
			}
		})
	}
	// Two ingesters cannot share a registry (their metrics would clash).
	reg := prometheus.NewRegistry()
	if _, err := New(Config{}, Deps{Store: st, Validator: cat, Directory: dir, Registry: reg}); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{}, Deps{Store: st, Validator: cat, Directory: dir, Registry: reg}); err == nil {
		t.Error("a second ingester registered its metrics on the same registry")
	}
}

func TestBackoff(t *testing.T) {
	b := backoff{base: 100 * time.Millisecond, max: 2 * time.Second}
	for n := range 40 {
		d := b.next()
		ceil := min(100*time.Millisecond<<min(n, 20), 2*time.Second)
		if d < ceil/2 || d > ceil {
			t.Fatalf("attempt %d: %s, want within [%s, %s]", n, d, ceil/2, ceil)
		}
	}
	b.reset()
	if d := b.next(); d > 100*time.Millisecond {
		t.Errorf("after reset: %s", d)
	}
}

func TestIsOurs(t *testing.T) {
	cases := map[string]string{
		"xyz.statusphere.status/3jzfcijpj2z2a":  "3jzfcijpj2z2a",
		"xyz.statusphere.status/":               "",
		"xyz.statusphere.statusx/3jzfcijpj2z2a": "",
		"xyz.statusphere/3jzfcijpj2z2a":         "",
		"app.bsky.feed.post/3jzfcijpj2z2a":      "",
	}
	for path, want := range cases {
		got, ok := isOurs(path)
		if got != want || ok != (want != "") {
			t.Errorf("isOurs(%q) = %q, %v; want %q", path, got, ok, want)
		}
	}
}

func TestStatusRow(t *testing.T) {
	did := syntax.DID("did:plc:ewvi7nxzyoun6zhxrhs64oiz")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rec := func(js string) map[string]any {
		m, err := atdata.UnmarshalJSON([]byte(js))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	good := `{"$type":"xyz.statusphere.status","status":"🦋","createdAt":"2026-01-01T00:00:00.000Z","note":"<b>&","ref":{"$link":"bafyreig2fjxi3rptqdgylg7e5hmjl6mcke7rn2b6cugzlqq3i4zu6rq52q"}}`
	row, err := statusRow(did, "3jzfcijpj2z2a", "bafycid", "3jzfcijpj2z2b", rec(good), now)
	if err != nil {
		t.Fatal(err)
	}
	if row.URI != "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/xyz.statusphere.status/3jzfcijpj2z2a" || row.Status != "🦋" ||
		!row.CreatedAt.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) || row.IndexedAt != now || row.Rev != "3jzfcijpj2z2b" {
		t.Errorf("row %+v", row)
	}
	var back map[string]any
	if err := json.Unmarshal(row.Record, &back); err != nil {
		t.Fatal(err)
	}
	if back["note"] != "<b>&" || back["ref"].(map[string]any)["$link"] == nil {
		t.Errorf("record JSON %s lost or changed unknown fields", row.Record)
	}

	for name, tc := range map[string]struct {
		rkey syntax.RecordKey
		js   string
	}{
		"wrong $type":      {"3jzfcijpj2z2a", `{"$type":"com.example.status","status":"🦋","createdAt":"2026-01-01T00:00:00Z"}`},
		"rkey not a TID":   {"self", good},
		"createdAt absent": {"3jzfcijpj2z2a", `{"$type":"xyz.statusphere.status","status":"🦋"}`},
	} {
		if _, err := statusRow(did, tc.rkey, "c", "r", rec(tc.js), now); !errors.Is(err, errInvalid) {
			t.Errorf("%s: %v, want errInvalid", name, err)
		}
	}
}

// The app's real collaborators satisfy the interfaces.
var (
	_ Store             = (*store.Store)(nil)
	_ Validator         = (*lexicon.Catalog)(nil)
	_ IdentityRefresher = (*appidentity.Resolver)(nil)
)
