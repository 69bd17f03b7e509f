package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
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
	Addr          string        // listen address of the web server
	DatabaseURL   string        // SQLite path or postgres:// URL
	PublicURL     string        // https URL the app is served at; empty: loopback dev client
	OAuthKey      string        // confidential client: P-256 private key, multibase
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
	var level, maxAge, ingest, leaseTTL, backfillOnStart, backfillWorkers string
	str(&level, "log-level", "STATUSPHERE_LOG_LEVEL", "info", "log level: debug, info, warn or error")
	str(&maxAge, "session-max-age", "STATUSPHERE_SESSION_MAX_AGE", "720h", "how long a login lasts")
	str(&ingest, "ingest", "STATUSPHERE_INGEST", "true", "serve: also run the firehose ingester in this process")
	str(&leaseTTL, "ingest-lease-ttl", "STATUSPHERE_INGEST_LEASE_TTL", "10s", "how long the single-ingester lease lasts unless renewed; a standby ingester takes over after it (a restart on the same host at once)")
	str(&backfillOnStart, "backfill-on-start", "STATUSPHERE_BACKFILL_ON_START", "true", "serve, ingest: backfill existing statuses on the first start (no ingest cursor stored yet), and resume an interrupted backfill")
	str(&backfillWorkers, "backfill-workers", "STATUSPHERE_BACKFILL_WORKERS", "4", "repositories a backfill fetches at once")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("%s: unexpected argument %q", name, fs.Arg(0))
	}
	var errs []error
	if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
		errs = append(errs, fmt.Errorf("log-level (STATUSPHERE_LOG_LEVEL): %q is not debug, info, warn or error", level))
	}
	d, err := time.ParseDuration(maxAge)
	if err != nil || d <= 0 {
		errs = append(errs, fmt.Errorf("session-max-age (STATUSPHERE_SESSION_MAX_AGE): %q is not a positive duration such as 720h", maxAge))
	}
	c.SessionMaxAge = d
	if c.LeaseTTL, err = time.ParseDuration(leaseTTL); err != nil || c.LeaseTTL < time.Second {
		errs = append(errs, fmt.Errorf("ingest-lease-ttl (STATUSPHERE_INGEST_LEASE_TTL): %q is not a duration of at least 1s", leaseTTL))
	}
	b, err := strconv.ParseBool(ingest)
	if err != nil {
		errs = append(errs, fmt.Errorf("ingest (STATUSPHERE_INGEST): %q is not true or false", ingest))
	}
	c.Ingest = b
	if c.BackfillOnStart, err = strconv.ParseBool(backfillOnStart); err != nil {
		errs = append(errs, fmt.Errorf("backfill-on-start (STATUSPHERE_BACKFILL_ON_START): %q is not true or false", backfillOnStart))
	}
	if c.BackfillWorkers, err = strconv.Atoi(backfillWorkers); err != nil || c.BackfillWorkers < 1 || c.BackfillWorkers > 64 {
		errs = append(errs, fmt.Errorf("backfill-workers (STATUSPHERE_BACKFILL_WORKERS): %q is not a number from 1 to 64", backfillWorkers))
	}
	if c.BackfillURL == "" {
		c.BackfillURL = relayHTTPURL(c.RelayURL)
	}
	errs = append(errs, c.validate()...)
	return c, errors.Join(errs...)
}

// validate checks the settings that Parse stored as given.
func (c *Config) validate() []error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr (STATUSPHERE_ADDR): %q is not host:port", c.Addr))
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
			errs = append(errs, errors.New("oauth-private-key (STATUSPHERE_OAUTH_PRIVATE_KEY): required with public-url (generate one with `statusphere keygen`)"))
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
