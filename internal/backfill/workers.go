package backfill

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/lease"
	"github.com/statusphere/statusphere/internal/store"
)

// pendingPage is how many pending repositories are read at once.
const pendingPage = 256

// fetchAll works through the pending repositories in passes until none is
// left: each pass hands every pending repository that is due to the
// workers; repositories that failed wait for their retry time.
func (b *Backfiller) fetchAll(ctx context.Context, hint bool) error {
	bo := lease.Backoff{Base: b.cfg.RetryMin, Max: b.cfg.RetryMax}
	failures := 0
	for {
		dispatched, waiting, next, err := b.pass(ctx, hint)
		switch {
		case ctx.Err() != nil:
			return context.Cause(ctx)
		case err != nil:
			failures++
			if failures > b.cfg.DiscoveryRetries {
				return fmt.Errorf("backfill: %w", err)
			}
			wait := bo.Next()
			b.log.Error("reading the pending repositories; will retry", "error", err, "retry_in", wait.Round(time.Millisecond))
			if !lease.Sleep(ctx, wait) {
				return context.Cause(ctx)
			}
			continue
		case dispatched == 0 && waiting == 0:
			return nil
		case dispatched == 0:
			wait := max(time.Until(next), 10*time.Millisecond)
			b.log.Info("waiting to retry repositories that failed", "repos", waiting, "retry_in", wait.Round(time.Millisecond))
			if !lease.Sleep(ctx, wait) {
				return context.Cause(ctx)
			}
		}
		failures = 0
	}
}

// pass hands every due pending repository to the workers and waits for
// them. It reports how many it handed out, how many were not due yet and
// when the first of those is.
func (b *Backfiller) pass(ctx context.Context, hint bool) (dispatched, waiting int, next time.Time, err error) {
	jobs := make(chan store.RepoState)
	var wg sync.WaitGroup
	for range b.cfg.Workers {
		wg.Go(func() {
			for rs := range jobs {
				b.backfillRepo(ctx, rs, hint)
			}
		})
	}
	defer wg.Wait()
	defer close(jobs)
	after := syntax.DID("")
	for {
		page, err := b.store.PendingBackfillRepos(ctx, after, pendingPage)
		if err != nil {
			return dispatched, waiting, next, err
		}
		if len(page) == 0 {
			return dispatched, waiting, next, nil
		}
		now := time.Now()
		for _, rs := range page {
			after = rs.DID
			if rs.RetryAfter.After(now) {
				if waiting == 0 || rs.RetryAfter.Before(next) {
					next = rs.RetryAfter
				}
				waiting++
				continue
			}
			select {
			case jobs <- rs:
				dispatched++
			case <-ctx.Done():
				return dispatched, waiting, next, nil
			}
		}
	}
}
