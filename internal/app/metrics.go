package app

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/statusphere/statusphere/internal/backfill"
	"github.com/statusphere/statusphere/internal/ingest"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/web"
)

// newRegistry is the process's Prometheus registry: Go runtime and process
// metrics plus the database pool; the parts register their own.
func newRegistry(st *store.Store) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	pool := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "statusphere_db_" + name, Help: help}, f))
	}
	pool("open_connections", "Open database connections.", func() float64 { return float64(st.Stats().OpenConnections) })
	pool("in_use_connections", "Database connections in use.", func() float64 { return float64(st.Stats().InUse) })
	pool("idle_connections", "Idle database connections.", func() float64 { return float64(st.Stats().Idle) })
	pool("wait_count", "Waits for a database connection, in total.", func() float64 { return float64(st.Stats().WaitCount) })
	pool("wait_seconds", "Time spent waiting for a database connection, in total.", func() float64 { return st.Stats().WaitDuration.Seconds() })
	reg.MustRegister(buildInfoGauge(ReadBuildInfo()))
	return reg
}

// buildInfoGauge is statusphere_build_info{version,commit,go}, always 1.
func buildInfoGauge(bi BuildInfo) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name:        "statusphere_build_info",
		Help:        "Build information of the running binary; always 1.",
		ConstLabels: prometheus.Labels{"version": bi.Version, "commit": bi.Commit, "go": bi.GoVersion},
	}, func() float64 { return 1 })
}

// metricsHandler serves the registry at /metrics.
func metricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}

// databaseCheck is the detailed /healthz's database check (operations
// listener only: it shows the error).
func databaseCheck(st *store.Store) web.Check {
	return func(ctx context.Context) (any, bool) {
		start := time.Now()
		if err := st.Ping(ctx); err != nil {
			return map[string]any{"ok": false, "error": err.Error()}, false
		}
		return map[string]any{"ok": true, "dialect": st.Dialect(), "ping_ms": time.Since(start).Milliseconds()}, true
	}
}

// ingestCheck is the detailed /healthz's ingester check: healthy while
// connected (or standing by).
func ingestCheck(in *ingest.Ingester) web.Check {
	return func(context.Context) (any, bool) {
		h := in.Health()
		return map[string]any{
			"connected": h.Connected, "holds_lease": h.HoldsLease, "cursor": h.Cursor,
			"lag_seconds": h.Lag.Seconds(), "last_event": h.LastEventTime,
		}, h.Connected || !h.HoldsLease
	}
}

// backfillCheck is the detailed /healthz's backfill report. A backfill in
// progress or one with failed repositories is reported, not unhealthy: the
// app serves and ingests meanwhile.
func backfillCheck(b *backfill.Backfiller) web.Check {
	return func(context.Context) (any, bool) {
		p := b.Progress()
		return map[string]any{
			"running": p.Running, "discovering": p.Discovering, "repos_total": p.Total,
			"repos_done": p.Done, "repos_skipped": p.Skipped, "repos_failed": p.Failed,
			"records": p.Records, "eta_seconds": p.ETA.Seconds(),
		}, true
	}
}
