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
	log := cfg.Logger()
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	return a.Run(ctx)
}
