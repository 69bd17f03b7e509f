package config

import (
	"strings"
	"testing"
	"time"
)

func noEnv(string) string { return "" }

func TestDefaultsNeedNoConfiguration(t *testing.T) {
	c, err := Parse("serve", nil, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DatabaseURL != "statusphere.db" || c.PublicURL != "" || !c.Ingest || c.Source != "relay" || c.Secure() {
		t.Fatalf("defaults = %+v", c)
	}
}

func TestFlagsBeatEnvironment(t *testing.T) {
	env := map[string]string{"STATUSPHERE_ADDR": "127.0.0.1:9000", "DATABASE_URL": "postgres://db/x", "STATUSPHERE_LOG_FORMAT": "json"}
	c, err := Parse("serve", []string{"-addr", "127.0.0.1:9001"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9001" || c.DatabaseURL != "postgres://db/x" || c.LogFormat != "json" {
		t.Fatalf("got %+v", c)
	}
}

func TestBadSettingsAreNamed(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"addr", []string{"-addr", "nonsense"}, nil, "addr (STATUSPHERE_ADDR)"},
		{"public url not https", []string{"-public-url", "http://example.com", "-oauth-private-key", "z"}, nil, "public-url (STATUSPHERE_PUBLIC_URL)"},
		{"public url without key", []string{"-public-url", "https://example.com"}, nil, "oauth-private-key (STATUSPHERE_OAUTH_PRIVATE_KEY)"},
		{"source", nil, map[string]string{"STATUSPHERE_SOURCE": "carrier-pigeon"}, "source (STATUSPHERE_SOURCE)"},
		{"log level", []string{"-log-level", "loud"}, nil, "log-level (STATUSPHERE_LOG_LEVEL)"},
		{"log format", []string{"-log-format", "xml"}, nil, "log-format (STATUSPHERE_LOG_FORMAT)"},
		{"session age", []string{"-session-max-age", "-1h"}, nil, "session-max-age"},
		{"ingest", []string{"-ingest", "maybe"}, nil, "ingest (STATUSPHERE_INGEST)"},
		{"relay url", []string{"-relay-url", "ftp://x"}, nil, "relay-url (STATUSPHERE_RELAY_URL)"},
		{"plc url", []string{"-plc-url", "plc"}, nil, "plc-url (STATUSPHERE_PLC_URL)"},
		{"lease ttl", []string{"-ingest-lease-ttl", "1ms"}, nil, "ingest-lease-ttl"},
		{"stray argument", []string{"extra"}, nil, "unexpected argument"},
		{"backfill url", []string{"-backfill-url", "wss://bsky.network"}, nil, "backfill-url (STATUSPHERE_BACKFILL_URL)"},
		{"backfill on start", nil, map[string]string{"STATUSPHERE_BACKFILL_ON_START": "sometimes"}, "backfill-on-start (STATUSPHERE_BACKFILL_ON_START)"},
		{"backfill workers", []string{"-backfill-workers", "0"}, nil, "backfill-workers (STATUSPHERE_BACKFILL_WORKERS)"},
		{"ops addr", []string{"-ops-addr", "9090"}, nil, "ops-addr (STATUSPHERE_OPS_ADDR)"},
		{"public readyz", []string{"-public-readyz", "perhaps"}, nil, "public-readyz (STATUSPHERE_PUBLIC_READYZ)"},
		{"ready max lag", []string{"-ready-max-lag", "-1s"}, nil, "ready-max-lag (STATUSPHERE_READY_MAX_LAG)"},
		{"ready max disconnected", nil, map[string]string{"STATUSPHERE_READY_MAX_DISCONNECTED": "soon"}, "ready-max-disconnected (STATUSPHERE_READY_MAX_DISCONNECTED)"},
		{"session key not base64", nil, map[string]string{"STATUSPHERE_SESSION_KEY": "not base64!"}, "session-key (STATUSPHERE_SESSION_KEY): not base64"},
		{"session key too short", nil, map[string]string{"STATUSPHERE_SESSION_KEY": "c2hvcnQ="}, "session-key (STATUSPHERE_SESSION_KEY): 5 bytes, want 32"},
		{"old keys without a key", nil, map[string]string{"STATUSPHERE_SESSION_OLD_KEYS": testKey1}, "session-old-keys (STATUSPHERE_SESSION_OLD_KEYS): set without session-key"},
		{"bad old key", nil, map[string]string{"STATUSPHERE_SESSION_KEY": testKey1, "STATUSPHERE_SESSION_OLD_KEYS": testKey2 + ",xx"}, "session-old-keys (STATUSPHERE_SESSION_OLD_KEYS): key 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("serve", tc.args, func(k string) string { return tc.env[k] })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %q", err, tc.want)
			}
		})
	}
}

func TestBackfillURLDefaultsToTheRelay(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"default relay", nil, nil, "https://bsky.network"},
		{"relay with a path", []string{"-relay-url", "ws://127.0.0.1:2583/xrpc/com.atproto.sync.subscribeRepos"}, nil, "http://127.0.0.1:2583"},
		{"set", []string{"-backfill-url", "http://127.0.0.1:2583"}, nil, "http://127.0.0.1:2583"},
		{"from the environment", nil, map[string]string{"STATUSPHERE_BACKFILL_URL": "https://relay1.us-east.bsky.network"}, "https://relay1.us-east.bsky.network"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("serve", tc.args, func(k string) string { return tc.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if c.BackfillURL != tc.want || !c.BackfillOnStart || c.BackfillWorkers != 4 {
				t.Fatalf("backfill settings %q %v %d, want %q, on start, 4 workers", c.BackfillURL, c.BackfillOnStart, c.BackfillWorkers, tc.want)
			}
		})
	}
}

func TestPublicURLMakesCookiesSecure(t *testing.T) {
	c, err := Parse("serve", []string{"-public-url", "https://status.example.com/", "-oauth-private-key", "zKey"}, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Secure() || c.PublicURL != "https://status.example.com" || c.SessionMaxAge != 720*time.Hour {
		t.Fatalf("got %+v", c)
	}
}

func TestServiceDIDIsTheDIDWebOfThePublicURL(t *testing.T) {
	for _, c := range []struct{ publicURL, want string }{
		{"", ""},
		{"https://status.example.com", "did:web:status.example.com"},
		{"https://status.example.com/", "did:web:status.example.com"},
		{"https://status.example.com:8443", "did:web:status.example.com%3A8443"},
	} {
		args := []string{"-database-url", "x.db"}
		if c.publicURL != "" {
			args = append(args, "-public-url", c.publicURL, "-oauth-private-key", "z42tx")
		}
		cfg, err := Parse("serve", args, noEnv)
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.ServiceDID(); got != c.want {
			t.Errorf("public URL %q: service DID %q, want %q", c.publicURL, got, c.want)
		}
	}
}

// Two 32-byte keys, base64 (standard, padded; URL, unpadded).
const (
	testKey1 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	testKey2 = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8"
)

func TestOpsAndReadinessSettings(t *testing.T) {
	c, err := Parse("serve", nil, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if c.OpsAddr != "" || c.PublicReadyz || c.Ready != (ReadyThresholds{MaxLag: 2 * time.Minute, MaxDisconnected: time.Minute}) || c.SessionKeys != nil {
		t.Fatalf("defaults: ops %q, public readyz %v, ready %+v, session keys %v", c.OpsAddr, c.PublicReadyz, c.Ready, c.SessionKeys)
	}
	env := map[string]string{"STATUSPHERE_OPS_ADDR": "127.0.0.1:9090", "STATUSPHERE_READY_MAX_LAG": "0", "STATUSPHERE_READY_AFTER_BACKFILL": "true"}
	c, err = Parse("serve", []string{"-public-readyz=true", "-ready-max-disconnected", "10s"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.OpsAddr != "127.0.0.1:9090" || !c.PublicReadyz || c.Ready != (ReadyThresholds{MaxDisconnected: 10 * time.Second, AfterBackfill: true}) {
		t.Fatalf("set: ops %q, public readyz %v, ready %+v", c.OpsAddr, c.PublicReadyz, c.Ready)
	}
}

func TestSessionKeysCurrentFirst(t *testing.T) {
	env := map[string]string{"STATUSPHERE_SESSION_KEY": testKey2, "STATUSPHERE_SESSION_OLD_KEYS": " " + testKey1 + " ,"}
	c, err := Parse("serve", nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if len(c.SessionKeys) != 2 || c.SessionKeys[0][0] != 0x20 || c.SessionKeys[1][0] != 0 || len(c.SessionKeys[1]) != 32 {
		t.Fatalf("session keys = %x", c.SessionKeys)
	}
}

func TestOAuthKeysSigningFirst(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-oauth-private-keys", "zNew, zOld"}, nil, "zNew zOld"},
		{[]string{"-oauth-private-key", "zNew"}, map[string]string{"STATUSPHERE_OAUTH_PRIVATE_KEYS": "zOld,zNew,"}, "zNew zOld"},
		{[]string{"-oauth-private-key", "zOnly"}, nil, "zOnly"},
	}
	for _, tc := range cases {
		c, err := Parse("serve", append([]string{"-public-url", "https://status.example.com"}, tc.args...), func(k string) string { return tc.env[k] })
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(c.OAuthKeys, " "); got != tc.want || c.OAuthKey != c.OAuthKeys[0] {
			t.Errorf("%v %v: keys %q (signing %q), want %q", tc.args, tc.env, got, c.OAuthKey, tc.want)
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	c, err := Parse("serve", []string{"-trusted-proxies", "127.0.0.1, 10.0.0.0/8,::1,192.168.1.7/16"}, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"127.0.0.1/32", "10.0.0.0/8", "::1/128", "192.168.0.0/16"}
	if len(c.TrustedProxies) != len(want) {
		t.Fatalf("TrustedProxies = %v, want %v", c.TrustedProxies, want)
	}
	for i, p := range c.TrustedProxies {
		if p.String() != want[i] {
			t.Errorf("TrustedProxies[%d] = %s, want %s", i, p, want[i])
		}
	}
	if _, err := Parse("serve", []string{"-trusted-proxies", "proxy.example"}, noEnv); err == nil || !strings.Contains(err.Error(), "trusted-proxies") {
		t.Errorf("a host name as a trusted proxy: err = %v, want one naming trusted-proxies", err)
	}
	if c, err := Parse("serve", nil, noEnv); err != nil || c.TrustedProxies != nil {
		t.Errorf("default: %v, %v; want none", c.TrustedProxies, err)
	}
}
