package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"github.com/statusphere/statusphere/internal/config"
)

// newFlagSet returns a command's flag set: it reports to stderr, returns
// errors, and its -h prints the one-line usage and the command's flags.
func newFlagSet(name string, stderr io.Writer, usage string) *flag.FlagSet {
	fset := flag.NewFlagSet(name, flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() {
		fmt.Fprintf(stderr, "usage: statusphere %s\n", usage)
		n := 0
		fset.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprint(stderr, "\nflags:\n")
			fset.PrintDefaults()
		}
	}
	return fset
}

// noArgs fails when fset was given positional arguments.
func noArgs(fset *flag.FlagSet) error {
	if fset.NArg() > 0 {
		fset.Usage()
		return fmt.Errorf("%s: unexpected arguments %q", fset.Name(), fset.Args())
	}
	return nil
}

// parseApp parses args with fset, refuses positional arguments, and builds
// the Config of the settings appFlags defined (parse).
func parseApp(fset *flag.FlagSet, parse func() (config.Config, error), args []string) (config.Config, error) {
	if err := fset.Parse(args); err != nil {
		return config.Config{}, err
	}
	if err := noArgs(fset); err != nil {
		return config.Config{}, err
	}
	return parse()
}

// setting is a field of config.Config that commands offer as a typed flag.
type setting struct {
	usage  string
	define func(fset *flag.FlagSet, def config.Config, name, usage string)
}

func stringSetting(usage string, get func(config.Config) string) setting {
	return setting{usage, func(fset *flag.FlagSet, def config.Config, name, usage string) {
		fset.String(name, get(def), usage)
	}}
}

// settings are the flags of config.Parse by name, each with its type.
func settings() map[string]setting {
	return map[string]setting{
		"addr":               stringSetting("listen address (env STATUSPHERE_ADDR)", func(c config.Config) string { return c.Addr }),
		"database-url":       stringSetting("SQLite file path or postgres:// URL (env STATUSPHERE_DATABASE_URL or DATABASE_URL)", func(c config.Config) string { return redactURL(c.DatabaseURL) }),
		"public-url":         stringSetting("public https URL of the app; empty runs a loopback OAuth client for development (env STATUSPHERE_PUBLIC_URL)", func(c config.Config) string { return c.PublicURL }),
		"oauth-private-key":  stringSetting("P-256 private key (multibase) of the confidential OAuth client; required with -public-url (env STATUSPHERE_OAUTH_PRIVATE_KEY)", func(config.Config) string { return "" }), // a secret: -h does not show the environment's
		"oauth-private-keys": stringSetting("comma-separated P-256 private keys (multibase) of the confidential OAuth client, newest first: the first signs new sessions (after -oauth-private-key, if set); all are published, so a rotation logs nobody out (env STATUSPHERE_OAUTH_PRIVATE_KEYS)", func(config.Config) string { return "" }),
		"plc-url":            stringSetting("PLC directory URL (env STATUSPHERE_PLC_URL)", func(c config.Config) string { return c.PLCURL }),
		"source":             stringSetting("event source: relay (verified firehose) or jetstream (env STATUSPHERE_SOURCE)", func(c config.Config) string { return c.Source }),
		"relay-url":          stringSetting("relay host for com.atproto.sync.subscribeRepos (env STATUSPHERE_RELAY_URL)", func(c config.Config) string { return c.RelayURL }),
		"jetstream-url":      stringSetting("Jetstream subscribe URL (env STATUSPHERE_JETSTREAM_URL)", func(c config.Config) string { return c.JetstreamURL }),
		"backfill-url": stringSetting("host listing the repositories to backfill: a relay or a PDS; empty: the relay-url host as https (env STATUSPHERE_BACKFILL_URL)",
			func(config.Config) string { return os.Getenv("STATUSPHERE_BACKFILL_URL") }), // not the one Parse derived from relay-url
		"trusted-proxies": stringSetting("comma-separated addresses or CIDR prefixes of reverse proxies whose X-Forwarded-For names the client, for the per-address limits (env STATUSPHERE_TRUSTED_PROXIES)",
			func(config.Config) string { return os.Getenv("STATUSPHERE_TRUSTED_PROXIES") }),
		"signup-pds": stringSetting("the PDS that \"Create an account\" offers by default: a host name or https URL (env STATUSPHERE_SIGNUP_PDS)", func(c config.Config) string { return c.SignupPDS }),
		"log-format": stringSetting("log format: text or json (env STATUSPHERE_LOG_FORMAT)", func(c config.Config) string { return c.LogFormat }),
		"log-level": {"log `level`: debug, info, warn or error (env STATUSPHERE_LOG_LEVEL)", func(fset *flag.FlagSet, def config.Config, name, usage string) {
			fset.TextVar(new(logLevel), name, logLevel{def.LogLevel}, usage)
		}},
		"session-max-age": {"how long a login lasts (env STATUSPHERE_SESSION_MAX_AGE)", func(fset *flag.FlagSet, def config.Config, name, usage string) {
			fset.Duration(name, def.SessionMaxAge, usage)
		}},
		"ingest": {"also run the firehose ingester in this process (env STATUSPHERE_INGEST)", func(fset *flag.FlagSet, def config.Config, name, usage string) {
			fset.Bool(name, def.Ingest, usage)
		}},
		"ingest-lease-ttl": {"how long the single-ingester lease lasts unless renewed; a standby ingester takes over after it (env STATUSPHERE_INGEST_LEASE_TTL)", func(fset *flag.FlagSet, def config.Config, name, usage string) {
			fset.Duration(name, def.LeaseTTL, usage)
		}},
		"backfill-on-start": {"backfill existing statuses on the first start (no ingest cursor stored yet), and resume an interrupted backfill (env STATUSPHERE_BACKFILL_ON_START)", func(fset *flag.FlagSet, def config.Config, name, usage string) {
			fset.Bool(name, def.BackfillOnStart, usage)
		}},
		"ops-addr": stringSetting("listen address of /metrics, the detailed /healthz, /readyz and /debug/pprof/; empty: not served (env STATUSPHERE_OPS_ADDR)", func(c config.Config) string { return c.OpsAddr }),
		"public-readyz": {"serve /readyz on -addr too, not only on -ops-addr (env STATUSPHERE_PUBLIC_READYZ)", func(fset *flag.FlagSet, def config.Config, name, usage string) {
			fset.Bool(name, def.PublicReadyz, usage)
		}},
		"ready-max-lag": {"/readyz fails when the ingester handles events later than this after they happened; 0: not checked (env STATUSPHERE_READY_MAX_LAG)", func(fset *flag.FlagSet, def config.Config, name, usage string) {
			fset.Duration(name, def.Ready.MaxLag, usage)
		}},
		"ready-max-disconnected": {"/readyz fails when the ingester holding the lease has had no connection to its source for this long (env STATUSPHERE_READY_MAX_DISCONNECTED)", func(fset *flag.FlagSet, def config.Config, name, usage string) {
			fset.Duration(name, def.Ready.MaxDisconnected, usage)
		}},
		"ready-after-backfill": {"/readyz fails while a backfill runs (env STATUSPHERE_READY_AFTER_BACKFILL)", func(fset *flag.FlagSet, def config.Config, name, usage string) {
			fset.Bool(name, def.Ready.AfterBackfill, usage)
		}},
		// Secrets: -h does not show the environment's.
		"session-key":      stringSetting("base64 32-byte key sealing the stored OAuth sessions (AES-256-GCM); empty: stored unsealed (env STATUSPHERE_SESSION_KEY)", func(config.Config) string { return "" }),
		"session-old-keys": stringSetting("comma-separated base64 keys that sealed sessions before -session-key; they open, never seal (env STATUSPHERE_SESSION_OLD_KEYS)", func(config.Config) string { return "" }),
		"backfill-workers": {"repositories a backfill fetches at once, 1 to 64 (env STATUSPHERE_BACKFILL_WORKERS)", func(fset *flag.FlagSet, def config.Config, name, usage string) {
			fset.Int(name, def.BackfillWorkers, usage)
		}},
	}
}

// appFlags defines the named settings on fset as typed flags whose
// defaults are the environment's values or the built-in ones, and returns
// the function that builds the Config once fset is parsed. That function
// hands the flags given to config.Parse, the one place that reads the
// environment, holds the defaults and validates.
func appFlags(fset *flag.FlagSet, names ...string) func() (config.Config, error) {
	// Invalid environment values show here as zero defaults; the final
	// Parse reports them.
	def, _ := config.Parse(fset.Name(), nil, os.Getenv)
	table := settings()
	for _, name := range names {
		s, ok := table[name]
		if !ok {
			panic("statusphere: no setting " + name) // a typo in a command's flag list
		}
		s.define(fset, def, name, s.usage)
	}
	return func() (config.Config, error) {
		var args []string
		fset.Visit(func(f *flag.Flag) {
			if _, ok := table[f.Name]; ok {
				args = append(args, "-"+f.Name+"="+f.Value.String())
			}
		})
		return config.Parse(fset.Name(), args, os.Getenv)
	}
}

// logLevel is a slog.Level written in lower case, as -h shows it.
type logLevel struct{ slog.Level }

// MarshalText returns the level in lower case ("info").
func (l logLevel) MarshalText() ([]byte, error) {
	return []byte(strings.ToLower(l.Level.String())), nil
}

// redactURL hides the password of a URL shown as a flag's default; it is
// shown only: a flag left at its default is not handed to config.Parse.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		return u.Redacted()
	}
	return raw
}
