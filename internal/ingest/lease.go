package ingest

import (
	"context"
	"time"
)

// runWithLease applies events only while this process holds the "ingest"
// lease: it waits for the lease, consumes while renewing it every third of
// LeaseTTL, and, if it loses the lease (another ingester took over after
// our renewals failed), stops applying at once and goes back to waiting.
// A stopping ingester releases the lease so that a standby takes over
// without waiting for it to expire.
func (i *Ingester) runWithLease(ctx context.Context) {
	every := i.cfg.LeaseTTL / 3
	waiting := false
	for ctx.Err() == nil {
		ok, err := i.store.AcquireLease(ctx, LeaseName, i.cfg.LeaseHolder, i.cfg.LeaseTTL, time.Now())
		switch {
		case err != nil:
			if ctx.Err() == nil {
				i.m.storeErrors.Inc()
				i.log.Error("acquiring the ingest lease", "error", err)
			}
		case !ok:
			if !waiting {
				i.log.Info("another ingester holds the ingest lease; standing by", "holder", i.cfg.LeaseHolder)
				waiting = true
			}
		default:
			waiting = false
			i.hold(ctx)
			continue
		}
		sleep(ctx, every)
	}
}

// hold consumes under the lease until ctx ends or the lease is lost.
func (i *Ingester) hold(ctx context.Context) {
	i.log.Info("holding the ingest lease", "holder", i.cfg.LeaseHolder)
	i.holdsLease.Store(true)
	i.leaseLost.Store(false)
	defer i.holdsLease.Store(false)

	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		i.consume(cctx)
	}()
	ttl := i.cfg.LeaseTTL
	validUntil := time.Now().Add(ttl)
	t := time.NewTicker(ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-done:
			if !i.leaseLost.Load() {
				i.releaseLease()
			}
			return
		case <-t.C:
			now := time.Now()
			ok, err := i.store.AcquireLease(cctx, LeaseName, i.cfg.LeaseHolder, ttl, now)
			switch {
			case err == nil && ok:
				validUntil = now.Add(ttl)
			case err == nil:
				i.log.Error("lost the ingest lease to another ingester; standing by")
				i.leaseLost.Store(true)
				cancel()
			case cctx.Err() != nil:
			default:
				i.m.storeErrors.Inc()
				i.log.Error("renewing the ingest lease", "error", err)
				// Stop before the lease can expire under us: another
				// ingester may take it then.
				if time.Until(validUntil) < ttl/3 {
					i.log.Error("could not renew the ingest lease in time; standing by")
					i.leaseLost.Store(true)
					cancel()
				}
			}
		}
	}
}

// releaseLease gives the lease up, under a fresh short timeout.
func (i *Ingester) releaseLease() {
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	if err := i.store.ReleaseLease(ctx, LeaseName, i.cfg.LeaseHolder); err != nil {
		i.log.Warn("releasing the ingest lease", "error", err)
		return
	}
	i.log.Info("released the ingest lease", "holder", i.cfg.LeaseHolder)
}
