package backfill

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/statusphere/statusphere/internal/store"
)

// RetryFailed keeps the backfill's workers going until ctx ends: every
// FailedPollInterval, or at once after [Backfiller.Wake], it makes the
// failed repositories whose retry time has come pending again (each
// failure waits longer: FailedRetryMin doubling to FailedRetryMax) and
// fetches every pending repository — those and the ones the ingester
// queued after a #sync — under the backfill lease. A running app calls it
// after its first-start backfill, so a repository whose PDS was down is
// stored once the PDS is back, without a manual `statusphere backfill`,
// and the stream never waits on a repository fetch. It returns ctx's
// error.
func (b *Backfiller) RetryFailed(ctx context.Context) error {
	if err := b.loadCounts(ctx); err != nil && ctx.Err() == nil {
		b.log.Error("reading the backfill counts", "error", err) // Progress shows them after the first retry
	}
	t := time.NewTicker(b.cfg.FailedPollInterval)
	defer t.Stop()
	for {
		if err := b.retryDue(ctx); err != nil && ctx.Err() == nil {
			b.log.Error("fetching pending and failed repositories", "error", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case <-b.wake:
		}
	}
}

// Wake makes RetryFailed look for pending repositories now (the ingester
// queued one after a #sync). It never blocks.
func (b *Backfiller) Wake() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// retryDue requeues the failed repositories that are due and fetches every
// pending one. It does nothing while Run runs.
func (b *Backfiller) retryDue(ctx context.Context) error {
	if !b.running.CompareAndSwap(false, true) {
		return nil
	}
	defer b.running.Store(false)
	n, err := b.store.RequeueFailedBackfillRepos(ctx, time.Now())
	if err != nil {
		return err
	}
	pending, err := b.store.PendingBackfillRepos(ctx, "", 1)
	if err != nil || len(pending) == 0 {
		return err
	}
	run, err := b.store.BackfillRun(ctx, RunName)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("backfill: %w", err)
	}
	b.log.Info("fetching pending repositories", "failed_requeued", n)
	err = b.underLease(ctx, func(ctx context.Context) error {
		if err := b.loadCounts(ctx); err != nil {
			return err
		}
		return b.fetchAll(ctx, run.Method == methodListRepos)
	})
	if err != nil {
		return err
	}
	p := b.Progress()
	b.log.Info("fetched pending repositories", "done", p.Done, "failed", p.Failed)
	return nil
}

// loadCounts loads the run's repository counts into the progress.
func (b *Backfiller) loadCounts(ctx context.Context) error {
	c, err := b.store.BackfillCounts(ctx)
	if err != nil {
		return fmt.Errorf("backfill: %w", err)
	}
	b.p.total.Store(c.Total())
	b.p.done.Store(c.Done)
	b.p.skipped.Store(c.Skipped)
	b.p.failed.Store(c.Failed)
	return nil
}
