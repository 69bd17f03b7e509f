package ingest

import (
	"context"

	"github.com/statusphere/statusphere/internal/lease"
)

// runWithLease applies events only while this process holds the "ingest"
// lease: it waits for the lease, consumes while renewing it every third of
// LeaseTTL, and, if it loses the lease (another ingester took over after
// our renewals failed), stops applying at once and goes back to waiting.
// A stopping ingester releases the lease so that a standby takes over
// without waiting for it to expire.
func (i *Ingester) runWithLease(ctx context.Context) {
	l := lease.Lease{
		Store: i.store, Name: LeaseName, Holder: i.cfg.LeaseHolder, TTL: i.cfg.LeaseTTL, Log: i.log,
		OnError: func(error) { i.m.storeError() },
		OnLost:  func() { i.leaseLost.Store(true) },
	}
	for ctx.Err() == nil {
		if err := l.Acquire(ctx); err != nil {
			return
		}
		i.log.Info("holding the ingest lease", "holder", i.cfg.LeaseHolder)
		i.holdsLease.Store(true)
		i.leaseLost.Store(false)
		l.Hold(ctx, i.consume)
		i.holdsLease.Store(false)
	}
}
