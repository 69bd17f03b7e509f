package lease

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// ErrLost is the cause of the context of work whose lease was lost.
var ErrLost = errors.New("lost the lease")

// releaseTimeout bounds the release of a lease at the end of the work.
const releaseTimeout = 5 * time.Second

// Store keeps leases; *store.Store has it.
type Store interface {
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration, now time.Time) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
}

// Lease is one named lease as one holder sees it.
type Lease struct {
	Store  Store
	Name   string        // the lease ("ingest", "backfill")
	Holder string        // this process
	TTL    time.Duration // how long it lasts unless renewed
	Log    *slog.Logger
	// OnError, if set, is called with every failed database call (for a
	// metric); the error is logged either way.
	OnError func(error)
	// OnLost, if set, is called when the lease is lost, before the work's
	// context is cancelled.
	OnLost func()
}

// Acquire waits until the holder holds the lease, asking every third of
// the TTL; it returns ctx's error if ctx ends first. A lease held by a
// process of this host that is gone (a crash) is taken over at once.
func (l Lease) Acquire(ctx context.Context) error {
	waiting := false
	for {
		ok, err := l.try(ctx)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			l.failed("acquiring the lease", err)
		case ok:
			return nil
		case !waiting:
			l.Log.Info("another process holds the lease; standing by", "lease", l.Name, "holder", l.Holder)
			waiting = true
		}
		if !Sleep(ctx, l.TTL/3) {
			return ctx.Err()
		}
	}
}

// try asks for the lease once, taking it over from a dead local holder.
func (l Lease) try(ctx context.Context) (bool, error) {
	ok, err := l.Store.AcquireLease(ctx, l.Name, l.Holder, l.TTL, time.Now())
	if err != nil || ok {
		return ok, err
	}
	return l.takeOverDead(ctx)
}

// Hold runs work, which the caller started after Acquire, with a context
// that is cancelled (cause ErrLost) if the lease is lost, renewing the
// lease every third of the TTL meanwhile. When work returns, the lease is
// released under a fresh timeout, unless it was lost. Hold reports whether
// it was lost.
func (l Lease) Hold(ctx context.Context, work func(ctx context.Context)) (lost bool) {
	wctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		work(wctx)
	}()
	validUntil := time.Now().Add(l.TTL)
	t := time.NewTicker(l.TTL / 3)
	defer t.Stop()
	for {
		select {
		case <-done:
			if !lost {
				l.release()
			}
			return lost
		case <-t.C:
		}
		if lost {
			continue // waiting for work to notice
		}
		now := time.Now()
		ok, err := l.Store.AcquireLease(wctx, l.Name, l.Holder, l.TTL, now)
		switch {
		case err == nil && ok:
			validUntil = now.Add(l.TTL)
		case err == nil:
			l.Log.Error("lost the lease to another process; standing by", "lease", l.Name)
			lost = l.lose(cancel)
		case wctx.Err() != nil:
		default:
			l.failed("renewing the lease", err)
			// Stop before the lease can expire under us: another process
			// may take it then.
			if time.Until(validUntil) < l.TTL/3 {
				l.Log.Error("could not renew the lease in time; standing by", "lease", l.Name)
				lost = l.lose(cancel)
			}
		}
	}
}

// lose tells OnLost, then cancels the work.
func (l Lease) lose(cancel context.CancelCauseFunc) bool {
	if l.OnLost != nil {
		l.OnLost()
	}
	cancel(ErrLost)
	return true
}

// failed counts and logs a failed database call.
func (l Lease) failed(what string, err error) {
	if l.OnError != nil {
		l.OnError(err)
	}
	l.Log.Error(what, "lease", l.Name, "error", err)
}

// release gives the lease up, under a fresh short timeout.
func (l Lease) release() {
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	if err := l.Store.ReleaseLease(ctx, l.Name, l.Holder); err != nil {
		l.Log.Warn("releasing the lease", "lease", l.Name, "error", err)
		return
	}
	l.Log.Info("released the lease", "lease", l.Name, "holder", l.Holder)
}
