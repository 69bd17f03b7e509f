package main

import (
	"context"
	"io"

	"github.com/statusphere/statusphere/internal/app"
)

// serveSettings are the flags of serve: every setting.
var serveSettings = []string{"addr", "database-url", "public-url", "oauth-private-key", "oauth-private-keys", "plc-url",
	"ingest", "source", "relay-url", "jetstream-url", "ingest-lease-ttl",
	"backfill-url", "backfill-on-start", "backfill-workers",
	"session-max-age", "session-key", "session-old-keys", "signup-pds", "trusted-proxies",
	"ops-addr", "public-readyz", "ready-max-lag", "ready-max-disconnected", "ready-after-backfill",
	"log-format", "log-level"}

// ingestSettings are the flags of ingest: no web app, no OAuth client, and
// only the operations listener.
var ingestSettings = []string{"database-url", "plc-url",
	"source", "relay-url", "jetstream-url", "ingest-lease-ttl",
	"backfill-url", "backfill-on-start", "backfill-workers",
	"ops-addr", "ready-max-lag", "ready-max-disconnected", "ready-after-backfill",
	"log-format", "log-level"}

// runServe runs `statusphere serve`: the web app and, unless -ingest=false,
// the ingester.
func runServe(ctx context.Context, args []string, _, stderr io.Writer) error {
	fset := newFlagSet("serve", stderr, "serve [flags]")
	parse := appFlags(fset, serveSettings...)
	cfg, err := parseApp(fset, parse, args)
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, cfg.LoggerTo(stderr))
	if err != nil {
		return err
	}
	return a.Run(ctx)
}

// runIngest runs `statusphere ingest`: the ingester alone (split
// deployments on Postgres), with /metrics, /healthz, /readyz and pprof on
// -ops-addr.
func runIngest(ctx context.Context, args []string, _, stderr io.Writer) error {
	fset := newFlagSet("ingest", stderr, "ingest [flags]")
	parse := appFlags(fset, ingestSettings...)
	cfg, err := parseApp(fset, parse, args)
	if err != nil {
		return err
	}
	cfg.Ingest = true
	a, err := app.New(ctx, cfg, cfg.LoggerTo(stderr), app.WithoutWeb())
	if err != nil {
		return err
	}
	return a.Run(ctx)
}
