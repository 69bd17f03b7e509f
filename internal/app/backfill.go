package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	atidentity "github.com/bluesky-social/indigo/atproto/identity"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/statusphere/statusphere"
	"github.com/statusphere/statusphere/internal/config"
	"github.com/statusphere/statusphere/internal/identity"
	"github.com/statusphere/statusphere/internal/ingest"
	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/store"
)

// backfillRetry is how long the app waits before it tries an automatic
// backfill again after discovery failed.
const backfillRetry = time.Minute

// newBackfiller builds the backfill from cfg.
func newBackfiller(cfg config.Config, st *store.Store, cat *lexicon.Catalog, dir atidentity.Directory, client *http.Client, reg prometheus.Registerer, log *slog.Logger) (*ingest.Backfiller, error) {
	b, err := ingest.NewBackfiller(ingest.BackfillConfig{
		URL: cfg.BackfillURL, Workers: cfg.BackfillWorkers, UserAgent: userAgent,
	}, ingest.BackfillDeps{
		Store: st, Validator: cat, Directory: dir, HTTPClient: client, Registry: reg, Logger: log,
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
func (a *App) scheduleBackfill(ctx context.Context, cat *lexicon.Catalog, dir atidentity.Directory, client *http.Client, reg prometheus.Registerer) error {
	b, err := newBackfiller(a.cfg, a.Store, cat, dir, client, reg, a.log)
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

// startBackfill starts the scheduled backfill in the background, once the
// ingester is connected (firehose first: whatever changes after a
// repository is fetched reaches the store through it). A backfill whose
// discovery fails is tried again every backfillRetry. The returned function
// stops it and waits; an interrupted backfill resumes at the next start.
func (a *App) startBackfill(ctx context.Context) (stop func()) {
	if !a.backfillDue || a.Ingester == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		log := a.log.With("component", "backfill")
		log.Info("backfill scheduled: it starts once the ingester is connected")
		for !a.Ingester.Status().Connected {
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
		for {
			p, err := a.Backfiller.Run(ctx)
			switch {
			case ctx.Err() != nil:
				log.Info("backfill interrupted; it resumes at the next start", "repos_done", p.Finished(), "repos_total", p.Total)
				return
			case err == nil && p.Failed > 0:
				log.Warn("backfill finished, but some repositories could not be fetched; `statusphere backfill` tries them all again", "failed", p.Failed)
				return
			case err == nil:
				return
			}
			log.Error("backfill failed; retrying", "error", err, "retry_in", backfillRetry)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backfillRetry):
			}
		}
	}()
	return func() {
		cancel()
		<-done
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
func Backfill(ctx context.Context, cfg config.Config, log *slog.Logger, watch func(*ingest.Backfiller), opts ...Option) (ingest.BackfillProgress, error) {
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	if o.httpClient == nil {
		o.httpClient = newHTTPClient(cfg.PLCURL, cfg.BackfillURL)
	}
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return ingest.BackfillProgress{}, fmt.Errorf("open database: %w", err)
	}
	defer st.Close()
	cat, err := lexicon.Load(statusphere.Lexicons)
	if err != nil {
		return ingest.BackfillProgress{}, fmt.Errorf("load lexicons: %w", err)
	}
	dir := identity.NewDirectory(identity.Config{
		PLCURL: cfg.PLCURL, HTTPClient: o.httpClient, LocalHandleSuffixes: o.localSuffixes, UserAgent: userAgent,
	})
	b, err := newBackfiller(cfg, st, cat, dir, o.httpClient, nil, log)
	if err != nil {
		return ingest.BackfillProgress{}, err
	}
	if watch != nil {
		watch(b)
	}
	return b.Run(ctx)
}
