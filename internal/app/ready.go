package app

import (
	"context"
	"sync"
	"time"

	"github.com/statusphere/statusphere/internal/ingest"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/web"
)

// healthChecks are the detailed /healthz's checks (operations listener).
func (a *App) healthChecks() map[string]web.Check {
	checks := map[string]web.Check{"database": databaseCheck(a.Store)}
	if a.Ingester != nil {
		checks["ingest"] = ingestCheck(a.Ingester)
		checks["backfill"] = backfillCheck(a.Backfiller)
	}
	return checks
}

// readyChecks are /readyz's checks, against the operator's thresholds.
// Their details hold states and numbers only: /readyz may be public.
func (a *App) readyChecks() map[string]web.Check {
	checks := map[string]web.Check{"database": func(ctx context.Context) (any, bool) {
		ok := a.Store.Ping(ctx) == nil
		return map[string]bool{"ok": ok}, ok
	}}
	if a.Ingester != nil {
		checks["ingest"] = a.ingestReady
	}
	if a.Backfiller != nil {
		checks["backfill"] = func(context.Context) (any, bool) {
			running := a.Backfiller.Progress().Running
			ok := !a.cfg.Ready.AfterBackfill || !running
			return map[string]bool{"ok": ok, "running": running}, ok
		}
	}
	return checks
}

// ingestReady: a standby ingester (no lease) is ready; the one holding the
// lease is while its connection has not been down for longer than
// Ready.MaxDisconnected and it handles events within Ready.MaxLag.
func (a *App) ingestReady(context.Context) (any, bool) {
	h := a.Ingester.Health()
	down := a.conn.observe(h.Connected, time.Now())
	ok := !h.HoldsLease ||
		(down <= a.cfg.Ready.MaxDisconnected && (a.cfg.Ready.MaxLag == 0 || h.Lag <= a.cfg.Ready.MaxLag))
	return map[string]any{
		"ok": ok, "connected": h.Connected, "holds_lease": h.HoldsLease,
		"lag_seconds": h.Lag.Seconds(), "disconnected_seconds": down.Seconds(),
	}, ok
}

// livenessCheck is the public /healthz's one check: the database answers.
// It says nothing of the ingester, so a relay outage never fails it.
func livenessCheck(st *store.Store) web.Check {
	return func(ctx context.Context) (any, bool) { return nil, st.Ping(ctx) == nil }
}

// connWatch tracks since when the ingester has been without a connection.
type connWatch struct {
	mu        sync.Mutex
	downSince time.Time // zero while connected
}

// newConnWatch starts disconnected at start (the ingester connects first).
func newConnWatch(start time.Time) *connWatch { return &connWatch{downSince: start} }

// observe records the connection state at now and returns how long it has
// been down (0 while connected).
func (w *connWatch) observe(connected bool, now time.Time) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case connected:
		w.downSince = time.Time{}
		return 0
	case w.downSince.IsZero():
		w.downSince = now
	}
	return now.Sub(w.downSince)
}

// watch observes the ingester every interval until ctx ends, so that an
// outage is timed from when it began, not from the first /readyz after it.
func (w *connWatch) watch(ctx context.Context, in *ingest.Ingester, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			w.observe(in.Health().Connected, now)
		}
	}
}
