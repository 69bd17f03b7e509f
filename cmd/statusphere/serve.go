package main

import (
	"context"
	"os"

	"github.com/statusphere/statusphere/internal/app"
	"github.com/statusphere/statusphere/internal/config"
)

// runServe runs the web app (and, unless -ingest=false, the ingester).
func runServe(ctx context.Context, args []string) error {
	cfg, err := config.Parse("serve", args, os.Getenv)
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, cfg.Logger())
	if err != nil {
		return err
	}
	return a.Run(ctx)
}

// runIngest runs the ingester alone (split deployments on Postgres), with
// /metrics and /healthz on -addr.
func runIngest(ctx context.Context, args []string) error {
	cfg, err := config.Parse("ingest", args, os.Getenv)
	if err != nil {
		return err
	}
	cfg.Ingest = true
	a, err := app.New(ctx, cfg, cfg.Logger(), app.WithoutWeb())
	if err != nil {
		return err
	}
	return a.Run(ctx)
}
