package config

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// The public network's addresses: the defaults of the settings that name
// them, and their only home (libraries take URLs, they default none).
const (
	DefaultPLCURL       = "https://plc.directory"
	DefaultRelayURL     = "wss://bsky.network"
	DefaultJetstreamURL = "wss://jetstream2.us-east.bsky.network/subscribe"
)

// Config is every setting of the statusphere binary.
type Config struct {
	Addr        string // listen address of the web server
	DatabaseURL string // SQLite path or postgres:// URL
	PublicURL   string // https URL the app is served at; empty: loopback dev client
	OAuthKey    string // confidential client: the P-256 private key that signs, multibase
	// OAuthKeys are every key of the confidential client, OAuthKey first:
	// all are published in its JWKS, and each signs the token refreshes of
	// the sessions it began (a rotation logs nobody out).
	OAuthKeys     []string
	PLCURL        string        // PLC directory
	Ingest        bool          // serve: run the ingester in-process
	Source        string        // "relay" or "jetstream"
	RelayURL      string        // subscribeRepos host (wss://…)
	JetstreamURL  string        // Jetstream subscribe URL (wss://…/subscribe)
	LogFormat     string        // "text" or "json"
	LogLevel      slog.Level    // debug, info, warn, error
	SessionMaxAge time.Duration // how long a login lasts
	LeaseTTL      time.Duration // how long the ingest lease lasts unless renewed
	// BackfillURL is the host that lists the repositories to backfill: a
	// relay (listReposByCollection) or a PDS (listRepos). Default: the relay
	// of RelayURL, as https.
	BackfillURL     string
	BackfillOnStart bool // backfill automatically when no ingest cursor is stored yet
	BackfillWorkers int  // repositories fetched at once
	// SignupPDS is the PDS that "Create an account" offers by default.
	SignupPDS string
	// TrustedProxies are the reverse proxies (addresses or prefixes) whose
	// X-Forwarded-For header names the client: the per-address limits of
	// login starts and event streams then count the client, not the proxy.
	TrustedProxies []netip.Prefix
	// OpsAddr is the listen address of the operations endpoints (/metrics,
	// the detailed /healthz, /readyz, /debug/pprof/); empty: not served.
	OpsAddr string
	// PublicReadyz serves /readyz on Addr too (for a load balancer that
	// should drop an instance whose ingester falls behind).
	PublicReadyz bool
	// Ready are the thresholds of /readyz.
	Ready ReadyThresholds
	// SessionKeys seal the stored OAuth sessions (AES-256-GCM): the first
	// seals, all of them open. Empty: sessions are stored unsealed.
	SessionKeys [][]byte
}

// ReadyThresholds are what /readyz tolerates before it answers 503.
type ReadyThresholds struct {
	// MaxLag is how far behind the firehose the ingester may handle events
	// (0: not checked).
	MaxLag time.Duration
	// MaxDisconnected is how long the ingester holding the lease may be
	// without a connection to its source (0: not at all).
	MaxDisconnected time.Duration
	// AfterBackfill answers 503 while a backfill runs.
	AfterBackfill bool
}

// raw holds the settings Parse reads as text before converting them.
type raw struct {
	level, maxAge, ingest, leaseTTL, backfillOnStart, backfillWorkers   string
	publicReadyz, readyMaxLag, readyMaxDisconnected, readyAfterBackfill string
	sessionKey, sessionOldKeys, oauthKeys, trustedProxies               string
}

// Parse reads the settings of one subcommand from args and the environment.
// A setting given neither way keeps its default.
func Parse(name string, args []string, getenv func(string) string) (Config, error) {
	c := Config{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	str := func(p *string, flagName, env, def, usage string) {
		if v := getenv(env); v != "" {
			def = v
		}
		fs.StringVar(p, flagName, def, usage+" (env "+env+")")
	}
	dbDefault := "statusphere.db"
	if v := getenv("DATABASE_URL"); v != "" {
		dbDefault = v
	}
	str(&c.Addr, "addr", "STATUSPHERE_ADDR", "127.0.0.1:8080", "listen address")
	str(&c.DatabaseURL, "database-url", "STATUSPHERE_DATABASE_URL", dbDefault, "SQLite file path or postgres:// URL; DATABASE_URL also works")
	str(&c.PublicURL, "public-url", "STATUSPHERE_PUBLIC_URL", "", "public https URL of the app; empty runs a loopback OAuth client for development")
	str(&c.OAuthKey, "oauth-private-key", "STATUSPHERE_OAUTH_PRIVATE_KEY", "", "P-256 private key (multibase) of the confidential OAuth client; required with -public-url")
	str(&c.PLCURL, "plc-url", "STATUSPHERE_PLC_URL", DefaultPLCURL, "PLC directory URL")
	str(&c.Source, "source", "STATUSPHERE_SOURCE", "relay", "event source: relay (verified firehose) or jetstream")
	str(&c.RelayURL, "relay-url", "STATUSPHERE_RELAY_URL", DefaultRelayURL, "relay host for com.atproto.sync.subscribeRepos")
	str(&c.JetstreamURL, "jetstream-url", "STATUSPHERE_JETSTREAM_URL", DefaultJetstreamURL, "Jetstream subscribe URL")
	str(&c.LogFormat, "log-format", "STATUSPHERE_LOG_FORMAT", "text", "log format: text or json")
	str(&c.BackfillURL, "backfill-url", "STATUSPHERE_BACKFILL_URL", "", "host listing the repositories to backfill: a relay (listReposByCollection) or a PDS (listRepos); default: the relay-url host as https")
	str(&c.SignupPDS, "signup-pds", "STATUSPHERE_SIGNUP_PDS", "bsky.social", "the PDS that \"Create an account\" offers by default: a host name or https URL")
	str(&c.OpsAddr, "ops-addr", "STATUSPHERE_OPS_ADDR", "", "listen address of /metrics, the detailed /healthz, /readyz and /debug/pprof/; empty: not served")
	var r raw
	str(&r.oauthKeys, "oauth-private-keys", "STATUSPHERE_OAUTH_PRIVATE_KEYS", "", "comma-separated P-256 private keys (multibase) of the confidential OAuth client, newest first: the first signs new sessions (unless -oauth-private-key is set, which then comes first); all are published")
	str(&r.level, "log-level", "STATUSPHERE_LOG_LEVEL", "info", "log level: debug, info, warn or error")
	str(&r.maxAge, "session-max-age", "STATUSPHERE_SESSION_MAX_AGE", "720h", "how long a login lasts")
	str(&r.ingest, "ingest", "STATUSPHERE_INGEST", "true", "serve: also run the firehose ingester in this process")
	str(&r.leaseTTL, "ingest-lease-ttl", "STATUSPHERE_INGEST_LEASE_TTL", "10s", "how long the single-ingester lease lasts unless renewed; a standby ingester takes over after it (a restart on the same host at once)")
	str(&r.backfillOnStart, "backfill-on-start", "STATUSPHERE_BACKFILL_ON_START", "true", "serve, ingest: backfill existing statuses on the first start (no ingest cursor stored yet), and resume an interrupted backfill")
	str(&r.backfillWorkers, "backfill-workers", "STATUSPHERE_BACKFILL_WORKERS", "4", "repositories a backfill fetches at once")
	str(&r.publicReadyz, "public-readyz", "STATUSPHERE_PUBLIC_READYZ", "false", "serve /readyz on -addr too, not only on -ops-addr")
	str(&r.readyMaxLag, "ready-max-lag", "STATUSPHERE_READY_MAX_LAG", "2m", "/readyz fails when the ingester handles events later than this after they happened; 0: not checked")
	str(&r.readyMaxDisconnected, "ready-max-disconnected", "STATUSPHERE_READY_MAX_DISCONNECTED", "1m", "/readyz fails when the ingester holding the lease has had no connection to its source for this long")
	str(&r.readyAfterBackfill, "ready-after-backfill", "STATUSPHERE_READY_AFTER_BACKFILL", "false", "/readyz fails while a backfill runs")
	str(&r.sessionKey, "session-key", "STATUSPHERE_SESSION_KEY", "", "base64 32-byte key sealing the stored OAuth sessions (AES-256-GCM); empty: stored unsealed")
	str(&r.trustedProxies, "trusted-proxies", "STATUSPHERE_TRUSTED_PROXIES", "", "comma-separated addresses or CIDR prefixes of reverse proxies whose X-Forwarded-For names the client (for the per-address limits); empty: none")
	str(&r.sessionOldKeys, "session-old-keys", "STATUSPHERE_SESSION_OLD_KEYS", "", "comma-separated base64 keys that sealed sessions before -session-key; they open, never seal")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("%s: unexpected argument %q", name, fs.Arg(0))
	}
	errs := c.convert(r)
	if c.BackfillURL == "" {
		c.BackfillURL = relayHTTPURL(c.RelayURL)
	}
	errs = append(errs, c.validate()...)
	return c, errors.Join(errs...)
}

// convert stores the settings given as text in their typed fields.
func (c *Config) convert(r raw) []error {
	var errs []error
	if err := c.LogLevel.UnmarshalText([]byte(r.level)); err != nil {
		errs = append(errs, fmt.Errorf("log-level (STATUSPHERE_LOG_LEVEL): %q is not debug, info, warn or error", r.level))
	}
	d, err := time.ParseDuration(r.maxAge)
	if err != nil || d <= 0 {
		errs = append(errs, fmt.Errorf("session-max-age (STATUSPHERE_SESSION_MAX_AGE): %q is not a positive duration such as 720h", r.maxAge))
	}
	c.SessionMaxAge = d
	if c.LeaseTTL, err = time.ParseDuration(r.leaseTTL); err != nil || c.LeaseTTL < time.Second {
		errs = append(errs, fmt.Errorf("ingest-lease-ttl (STATUSPHERE_INGEST_LEASE_TTL): %q is not a duration of at least 1s", r.leaseTTL))
	}
	if c.BackfillWorkers, err = strconv.Atoi(r.backfillWorkers); err != nil || c.BackfillWorkers < 1 || c.BackfillWorkers > 64 {
		errs = append(errs, fmt.Errorf("backfill-workers (STATUSPHERE_BACKFILL_WORKERS): %q is not a number from 1 to 64", r.backfillWorkers))
	}
	for _, b := range []struct {
		p         *bool
		name, env string
		v         string
	}{
		{&c.Ingest, "ingest", "STATUSPHERE_INGEST", r.ingest},
		{&c.BackfillOnStart, "backfill-on-start", "STATUSPHERE_BACKFILL_ON_START", r.backfillOnStart},
		{&c.PublicReadyz, "public-readyz", "STATUSPHERE_PUBLIC_READYZ", r.publicReadyz},
		{&c.Ready.AfterBackfill, "ready-after-backfill", "STATUSPHERE_READY_AFTER_BACKFILL", r.readyAfterBackfill},
	} {
		if *b.p, err = strconv.ParseBool(b.v); err != nil {
			errs = append(errs, fmt.Errorf("%s (%s): %q is not true or false", b.name, b.env, b.v))
		}
	}
	for _, d := range []struct {
		p         *time.Duration
		name, env string
		v         string
	}{
		{&c.Ready.MaxLag, "ready-max-lag", "STATUSPHERE_READY_MAX_LAG", r.readyMaxLag},
		{&c.Ready.MaxDisconnected, "ready-max-disconnected", "STATUSPHERE_READY_MAX_DISCONNECTED", r.readyMaxDisconnected},
	} {
		if *d.p, err = time.ParseDuration(d.v); err != nil || *d.p < 0 {
			errs = append(errs, fmt.Errorf("%s (%s): %q is not a duration such as 2m", d.name, d.env, d.v))
		}
	}
	if c.SessionKeys, err = sessionKeys(r.sessionKey, r.sessionOldKeys); err != nil {
		errs = append(errs, err)
	}
	if c.TrustedProxies, err = prefixes(r.trustedProxies); err != nil {
		errs = append(errs, fmt.Errorf("trusted-proxies (STATUSPHERE_TRUSTED_PROXIES): %w", err))
	}
	c.OAuthKeys = oauthKeys(c.OAuthKey, r.oauthKeys)
	if len(c.OAuthKeys) > 0 {
		c.OAuthKey = c.OAuthKeys[0]
	}
	return errs
}

// prefixes parses a comma-separated list of IP addresses and CIDR
// prefixes; an address is the prefix of that one address.
func prefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if addr, err := netip.ParseAddr(f); err == nil {
			out = append(out, netip.PrefixFrom(addr, addr.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR prefix", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// oauthKeys lists the confidential client's keys: first the one given on
// its own, then the list, each once.
func oauthKeys(first, list string) []string {
	var keys []string
	seen := map[string]bool{}
	for _, k := range append([]string{first}, strings.Split(list, ",")...) {
		if k = strings.TrimSpace(k); k != "" && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// sessionKeys decodes the sealing key and the old ones, current first.
func sessionKeys(current, old string) ([][]byte, error) {
	if current == "" {
		if old != "" {
			return nil, errors.New("session-old-keys (STATUSPHERE_SESSION_OLD_KEYS): set without session-key (STATUSPHERE_SESSION_KEY)")
		}
		return nil, nil
	}
	k, err := decodeKey(current)
	if err != nil {
		return nil, fmt.Errorf("session-key (STATUSPHERE_SESSION_KEY): %w (generate one with `openssl rand -base64 32`)", err)
	}
	keys := [][]byte{k}
	for i, s := range strings.Split(old, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		k, err := decodeKey(s)
		if err != nil {
			return nil, fmt.Errorf("session-old-keys (STATUSPHERE_SESSION_OLD_KEYS): key %d: %w", i+1, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// decodeKey decodes a base64 (standard or URL alphabet, padded or not)
// 32-byte key.
func decodeKey(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	k, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		k, err = base64.RawURLEncoding.DecodeString(s)
	}
	if err != nil {
		return nil, errors.New("not base64")
	}
	if len(k) != 32 {
		return nil, fmt.Errorf("%d bytes, want 32", len(k))
	}
	return k, nil
}

// validate checks the settings that Parse stored as given.
func (c *Config) validate() []error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr (STATUSPHERE_ADDR): %q is not host:port", c.Addr))
	}
	if _, _, err := net.SplitHostPort(c.OpsAddr); c.OpsAddr != "" && err != nil {
		errs = append(errs, fmt.Errorf("ops-addr (STATUSPHERE_OPS_ADDR): %q is not host:port", c.OpsAddr))
	}
	if strings.TrimSpace(c.DatabaseURL) == "" {
		errs = append(errs, errors.New("database-url (STATUSPHERE_DATABASE_URL): empty"))
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") {
			errs = append(errs, fmt.Errorf("public-url (STATUSPHERE_PUBLIC_URL): %q is not an https URL without a path", c.PublicURL))
		}
		c.PublicURL = strings.TrimSuffix(c.PublicURL, "/")
		if c.OAuthKey == "" {
			errs = append(errs, errors.New("oauth-private-key (STATUSPHERE_OAUTH_PRIVATE_KEY) or oauth-private-keys (STATUSPHERE_OAUTH_PRIVATE_KEYS): required with public-url (generate one with `statusphere keygen`)"))
		}
	}
	if u, err := url.Parse(c.PLCURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, fmt.Errorf("plc-url (STATUSPHERE_PLC_URL): %q is not an http(s) URL", c.PLCURL))
	}
	switch c.Source {
	case "relay", "jetstream":
	default:
		errs = append(errs, fmt.Errorf("source (STATUSPHERE_SOURCE): %q is not relay or jetstream", c.Source))
	}
	for _, s := range []struct{ name, env, v string }{{"relay-url", "STATUSPHERE_RELAY_URL", c.RelayURL}, {"jetstream-url", "STATUSPHERE_JETSTREAM_URL", c.JetstreamURL}} {
		if u, err := url.Parse(s.v); err != nil || (u.Scheme != "wss" && u.Scheme != "ws" && u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s (%s): %q is not a ws(s) URL", s.name, s.env, s.v))
		}
	}
	if u, err := url.Parse(c.BackfillURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, fmt.Errorf("backfill-url (STATUSPHERE_BACKFILL_URL): %q is not an http(s) URL", c.BackfillURL))
	}
	if u, err := url.Parse(signupURL(c.SignupPDS)); err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") {
		errs = append(errs, fmt.Errorf("signup-pds (STATUSPHERE_SIGNUP_PDS): %q is not a host name or an https URL without a path", c.SignupPDS))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("log-format (STATUSPHERE_LOG_FORMAT): %q is not text or json", c.LogFormat))
	}
	return errs
}

// relayHTTPURL is the relay host of a subscribeRepos URL as an http(s) URL
// (wss://bsky.network → https://bsky.network), or "" if it is not one.
func relayHTTPURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	switch u.Scheme {
	case "wss", "https":
		return "https://" + u.Host
	case "ws", "http":
		return "http://" + u.Host
	}
	return ""
}

// ServiceDID is the app's did:web, named for the host of PublicURL (a port
// is written %3A, as did:web requires), or "" without a public URL. It is
// the audience of the service-auth tokens the app accepts.
func (c *Config) ServiceDID() string {
	u, err := url.Parse(c.PublicURL)
	if c.PublicURL == "" || err != nil || u.Host == "" {
		return ""
	}
	return "did:web:" + strings.ReplaceAll(u.Host, ":", "%3A")
}

// Secure reports whether the app is served over https (cookies get Secure).
func (c *Config) Secure() bool { return strings.HasPrefix(c.PublicURL, "https://") }

// Logger builds the process's logger from LogFormat and LogLevel, writing
// to stderr.
func (c *Config) Logger() *slog.Logger { return c.LoggerTo(os.Stderr) }

// LoggerTo is Logger writing to w.
func (c *Config) LoggerTo(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// signupURL is the https URL of a PDS given as a host name or a URL.
func signupURL(pds string) string {
	if strings.Contains(pds, "://") {
		return pds
	}
	return "https://" + pds
}
