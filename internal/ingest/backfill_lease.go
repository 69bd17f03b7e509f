package ingest

import (
	"context"
	"errors"
	"time"
)

// BackfillLeaseName is the lease a backfill holds while it runs, so that
// two processes on one database do not fetch every repository twice.
const BackfillLeaseName = "backfill"

// acquireLease waits until this process holds the backfill lease, and keeps
// renewing it; the returned context ends if the lease is lost. release
// stops renewing and gives the lease up.
func (b *Backfiller) acquireLease(ctx context.Context) (context.Context, func(), error) {
	ttl := b.cfg.LeaseTTL
	waiting := false
	for {
		ok, err := b.store.AcquireLease(ctx, BackfillLeaseName, b.cfg.LeaseHolder, ttl, time.Now())
		if err == nil && ok {
			break
		}
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if err != nil {
			b.log.Error("acquiring the backfill lease", "error", err)
		} else if !waiting {
			b.log.Info("another process is backfilling this database; waiting for it")
			waiting = true
		}
		if !sleep(ctx, ttl/3) {
			return nil, nil, ctx.Err()
		}
	}
	lctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		validUntil := time.Now().Add(ttl)
		for {
			select {
			case <-lctx.Done():
				return
			case <-t.C:
			}
			now := time.Now()
			ok, err := b.store.AcquireLease(lctx, BackfillLeaseName, b.cfg.LeaseHolder, ttl, now)
			switch {
			case err == nil && ok:
				validUntil = now.Add(ttl)
			case err == nil:
				cancel(errors.New("backfill: lost the backfill lease to another process"))
				return
			case lctx.Err() != nil:
				return
			default:
				b.log.Error("renewing the backfill lease", "error", err)
				if time.Until(validUntil) < ttl/3 {
					cancel(errors.New("backfill: could not renew the backfill lease in time"))
					return
				}
			}
		}
	}()
	release := func() {
		cancel(nil)
		<-done
		rctx, rcancel := context.WithTimeout(context.Background(), flushTimeout)
		defer rcancel()
		if err := b.store.ReleaseLease(rctx, BackfillLeaseName, b.cfg.LeaseHolder); err != nil {
			b.log.Warn("releasing the backfill lease", "error", err)
		}
	}
	return lctx, release, nil
}
