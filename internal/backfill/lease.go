package backfill

import (
	"context"

	"github.com/statusphere/statusphere/internal/lease"
)

// LeaseName is the lease a backfill holds while it runs, so that two
// processes on one database do not fetch every repository twice.
const LeaseName = "backfill"

// underLease waits until this process holds the backfill lease, then runs
// fn with a context that ends if the lease is lost, and gives the lease up
// when fn returns.
func (b *Backfiller) underLease(ctx context.Context, fn func(ctx context.Context) error) error {
	l := lease.Lease{Store: b.store, Name: LeaseName, Holder: b.cfg.LeaseHolder, TTL: b.cfg.LeaseTTL, Log: b.log}
	if err := l.Acquire(ctx); err != nil {
		return err
	}
	var err error
	l.Hold(ctx, func(ctx context.Context) {
		err = fn(ctx) // context.Cause(ctx) is lease.ErrLost if the lease was lost
	})
	return err
}
