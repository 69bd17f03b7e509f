package ingest

import (
	"testing"

	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/statusphere/statusphere/internal/collection"
	appidentity "github.com/statusphere/statusphere/internal/identity"
	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/pds"
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
			u, err := pds.SubscribeReposURL(tc.in)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("SubscribeReposURL(%q) = %s, want an error", tc.in, u)
				}
				return
			}
			if err != nil || u.String() != tc.want {
				t.Fatalf("SubscribeReposURL(%q) = %v, %v; want %s", tc.in, u, err, tc.want)
			}
		})
	}
}

func TestNew(t *testing.T) {
	st, _ := openStore(t)
	cat := catalog(t)
	dir := identity.NewMockDirectory()
	relay := Config{RelayURL: "wss://bsky.network"}
	cases := []struct {
		name    string
		cfg     Config
		deps    Deps
		source  string
		wantErr bool
	}{
		{"defaults", relay, Deps{Store: st, Validator: cat, Directory: dir}, "relay:bsky.network", false},
		{"jetstream", Config{Source: SourceJetstream, JetstreamURL: "wss://jetstream2.us-east.bsky.network/subscribe"}, Deps{Store: st, Validator: cat}, "jetstream:jetstream2.us-east.bsky.network", false},
		{"no relay URL", Config{}, Deps{Store: st, Validator: cat, Directory: dir}, "", true},
		{"no jetstream URL", Config{Source: SourceJetstream}, Deps{Store: st, Validator: cat}, "", true},
		{"relay without directory", relay, Deps{Store: st, Validator: cat}, "", true},
		{"no store", relay, Deps{Validator: cat, Directory: dir}, "", true},
		{"no validator", relay, Deps{Store: st, Directory: dir}, "", true},
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
	if _, err := New(relay, Deps{Store: st, Validator: cat, Directory: dir, Registry: reg}); err != nil {
		t.Fatal(err)
	}
	if _, err := New(relay, Deps{Store: st, Validator: cat, Directory: dir, Registry: reg}); err == nil {
		t.Error("a second ingester registered its metrics on the same registry")
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
	// The stream's filter is the registry's: it wants exactly the paths
	// of the status collection.
	reg := collection.Default(catalog(t))
	for path, want := range cases {
		got, ok := isOurs(path)
		if got != want || ok != (want != "") {
			t.Errorf("isOurs(%q) = %q, %v; want %q", path, got, ok, want)
		}
		if reg.WantsPath(path) != (want != "") {
			t.Errorf("WantsPath(%q) = %v, want %v", path, !ok, ok)
		}
	}
}

// The app's real collaborators satisfy the interfaces.
var (
	_ Store             = (*store.Store)(nil)
	_ Validator         = (*lexicon.Catalog)(nil)
	_ IdentityRefresher = (*appidentity.Resolver)(nil)
)

// Health and /metrics read the same counters.
func TestMetricsMatchHealth(t *testing.T) {
	st, _ := openStore(t)
	reg := prometheus.NewRegistry()
	ing, err := New(Config{RelayURL: "wss://relay.invalid"}, Deps{Store: st, Validator: catalog(t), Directory: identity.NewMockDirectory(), Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	ing.m.applyOp("create")
	ing.m.applyOp("create")
	ing.m.event(kindCommit)
	ing.m.event("no such kind")
	ing.m.invalidRecord()
	ing.m.cursor.Store(42)
	ing.setConnected(true)
	h := ing.Health()
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
		health float64
	}{
		{"statusphere_ingest_applied_total", map[string]string{"action": "create"}, 2, float64(h.Counts.Applied)},
		{"statusphere_ingest_events_total", map[string]string{"type": kindCommit}, 1, 1},
		{"statusphere_ingest_events_total", map[string]string{"type": kindUnknown}, 1, float64(h.Counts.Events - 1)},
		{"statusphere_ingest_skipped_invalid_total", nil, 1, float64(h.Counts.SkippedInvalid)},
		{"statusphere_ingest_cursor", nil, 42, float64(h.Cursor)},
		{"statusphere_ingest_connected", nil, 1, 1},
	} {
		if got := gathered(t, reg, c.name, c.labels); got != c.want || c.health != c.want {
			t.Errorf("%s%v: metrics %v, health %v, want %v", c.name, c.labels, got, c.health, c.want)
		}
	}
	if !h.Connected {
		t.Error("Health says not connected")
	}
}
