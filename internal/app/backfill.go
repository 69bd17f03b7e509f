package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/statusphere/statusphere/internal/backfill"
	"github.com/statusphere/statusphere/internal/config"
	"github.com/statusphere/statusphere/internal/store"
)

// backfillRetry is how long the app waits before it tries an automatic
// backfill again after discovery failed.
const backfillRetry = time.Minute

// newBackfiller builds the backfill from cfg.
func newBackfiller(cfg config.Config, c *core, reg prometheus.Registerer, log *slog.Logger) (*backfill.Backfiller, error) {
	b, err := backfill.New(backfill.Config{
		URL: cfg.BackfillURL, Workers: cfg.BackfillWorkers, UserAgent: userAgent,
	}, backfill.Deps{
		Store: c.store, Validator: c.catalog, Collections: c.collections, Directory: c.dids, HTTPClient: c.client, Registry: reg, Logger: log,
	})
	if err != nil {
		return nil, fmt.Errorf("backfill: %w", err)
	}
	return b, nil
}

// scheduleBackfill builds the backfill of a process that ingests, and
// decides whether Run starts it: on the first start (no ingest cursor is
// stored yet: the ingester will start from live events, so what was
// written before must be fetched), or to resume a run that was interrupted.
// It must run before the ingester stores its first cursor.
func (a *App) scheduleBackfill(ctx context.Context, c *core, reg prometheus.Registerer) error {
	b, err := newBackfiller(a.cfg, c, reg, a.log)
	if err != nil {
		return err
	}
	a.Backfiller = b
	if !a.cfg.BackfillOnStart {
		return nil
	}
	_, err = a.Store.Cursor(ctx, a.Ingester.SourceName())
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("backfill: read the ingest cursor: %w", err)
	}
	a.backfillDue, err = b.Schedule(ctx, err != nil)
	if err != nil {
		return err
	}
	return nil
}

// startBackfill starts the backfill's background work once the ingester
// is connected (firehose first: whatever changes after a repository is
// fetched reaches the store through it): the scheduled backfill, if any
// (tried again every backfillRetry while its discovery fails), then the
// retries of failed repositories, for as long as the app runs. The
// returned function stops it and waits; an interrupted backfill resumes
// at the next start.
func (a *App) startBackfill(ctx context.Context) (stop func()) {
	if a.Ingester == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		log := a.log.With("component", "backfill")
		if a.backfillDue {
			log.Info("backfill scheduled: it starts once the ingester is connected")
		}
		for !a.Ingester.Health().Connected {
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
		if a.backfillDue && !a.runBackfill(ctx, log) {
			return
		}
		_ = a.Backfiller.RetryFailed(ctx) // returns when ctx ends
	}()
	return func() {
		cancel()
		<-done
	}
}

// runBackfill runs the scheduled backfill to its end, trying again every
// backfillRetry while it fails; it reports false when ctx ended first.
func (a *App) runBackfill(ctx context.Context, log *slog.Logger) bool {
	for {
		p, err := a.Backfiller.Run(ctx)
		switch {
		case ctx.Err() != nil:
			log.Info("backfill interrupted; it resumes at the next start", "repos_done", p.Finished(), "repos_total", p.Total)
			return false
		case err == nil && p.Failed > 0:
			log.Warn("backfill finished, but some repositories could not be fetched; they are retried with backoff", "failed", p.Failed)
			return true
		case err == nil:
			return true
		}
		log.Error("backfill failed; retrying", "error", err, "retry_in", backfillRetry)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(backfillRetry):
		}
	}
}

// Backfill runs `statusphere backfill`: it resumes the unfinished backfill
// run on cfg's database, or starts a new one (every repository fetched
// again), runs it to completion and returns its progress. No ingester runs
// here: statuses written meanwhile reach the store through the ingester of
// a serve or ingest process on the same database, which the backfill
// converges with. watch, when not nil, is called with the backfiller before
// it starts (the command draws its progress bar from it). Options are New's
// (tests pass the local network's HTTP client).
func Backfill(ctx context.Context, cfg config.Config, log *slog.Logger, watch func(*backfill.Backfiller), opts ...Option) (backfill.Progress, error) {
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	if o.httpClient == nil {
		o.httpClient = newHTTPClient(cfg.PLCURL, cfg.BackfillURL)
	}
	c, err := openCore(ctx, cfg, o)
	if err != nil {
		return backfill.Progress{}, err
	}
	defer c.store.Close()
	b, err := newBackfiller(cfg, c, nil, log)
	if err != nil {
		return backfill.Progress{}, err
	}
	if watch != nil {
		watch(b)
	}
	return b.Run(ctx)
}
