package ingest

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the ingester's Prometheus metrics, plus plain counters for the
// periodic summary line and for tests.
type metrics struct {
	events      *prometheus.CounterVec // by type
	applied     *prometheus.CounterVec // by action
	invalid     prometheus.Counter
	stale       prometheus.Counter
	verifyFail  prometheus.Counter
	malformed   prometheus.Counter
	reconnects  prometheus.Counter
	resyncs     *prometheus.CounterVec // by result
	storeErrors prometheus.Counter
	// identityRefreshes counts handle refreshes after #identity, by result
	// (ok, failed, dropped).
	identityRefreshes *prometheus.CounterVec
	lag               prometheus.Gauge
	cursor            prometheus.Gauge
	connected         prometheus.Gauge

	// Mirrors, read by the summary line and tests.
	nEvents, nApplied, nInvalid, nStale, nVerifyFail, nMalformed, nReconnects, nResyncs atomic.Int64
}

// newMetrics creates the metrics and registers them on reg (none if nil).
// Every metric carries the label source ("relay" or "jetstream").
func newMetrics(reg prometheus.Registerer, source string) (*metrics, error) {
	cl := prometheus.Labels{"source": source}
	const ns, sub = "statusphere", "ingest"
	m := &metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "events_total",
			Help: "Events received, by type (#commit, #identity, #account, #sync, #info, error, unknown).", ConstLabels: cl}, []string{"type"}),
		applied: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "applied_total",
			Help: "Status record operations stored, by action (create, update, delete).", ConstLabels: cl}, []string{"action"}),
		invalid: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "skipped_invalid_total",
			Help: "Status records skipped because they fail the lexicon.", ConstLabels: cl}),
		stale: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "skipped_stale_total",
			Help: "Commits not applied because the stored state of their repository is already at or past their rev (a backfill or resync snapshot, or a replay).", ConstLabels: cl}),
		verifyFail: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "verification_failed_total",
			Help: "Commits (and #sync events) dropped because they failed verification.", ConstLabels: cl}),
		malformed: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "malformed_frames_total",
			Help: "Frames that could not be decoded (garbage, truncated, oversized).", ConstLabels: cl}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "reconnects_total",
			Help: "Connections to the source after the first.", ConstLabels: cl}),
		resyncs: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "resyncs_total",
			Help: "Repositories re-fetched after a #sync event, by result (ok, failed).", ConstLabels: cl}, []string{"result"}),
		storeErrors: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "store_errors_total",
			Help: "Failed database writes (each is retried).", ConstLabels: cl}),
		identityRefreshes: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "identity_refreshes_total",
			Help: "Handle refreshes after #identity events, by result (ok, failed, dropped).", ConstLabels: cl}, []string{"result"}),
		lag: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "lag_seconds",
			Help: "How far behind the event time of the last event handled the ingester runs.", ConstLabels: cl}),
		cursor: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "cursor",
			Help: "The last cursor stored (relay seq, or Jetstream time_us).", ConstLabels: cl}),
		connected: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "connected",
			Help: "1 while connected to the source.", ConstLabels: cl}),
	}
	if reg == nil {
		return m, nil
	}
	var errs []error
	for _, c := range []prometheus.Collector{m.events, m.applied, m.invalid, m.stale, m.verifyFail, m.malformed,
		m.reconnects, m.resyncs, m.storeErrors, m.identityRefreshes, m.lag, m.cursor, m.connected} {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("ingest: register metrics: %w", err)
	}
	return m, nil
}

func (m *metrics) event(kind string) {
	m.events.WithLabelValues(kind).Inc()
	m.nEvents.Add(1)
}

func (m *metrics) applyOp(action string) {
	m.applied.WithLabelValues(action).Inc()
	m.nApplied.Add(1)
}

func (m *metrics) invalidRecord() {
	m.invalid.Inc()
	m.nInvalid.Add(1)
}

func (m *metrics) staleCommit() {
	m.stale.Inc()
	m.nStale.Add(1)
}

func (m *metrics) verificationFailed() {
	m.verifyFail.Inc()
	m.nVerifyFail.Add(1)
}

func (m *metrics) malformedFrame() {
	m.malformed.Inc()
	m.nMalformed.Add(1)
}

func (m *metrics) reconnect() {
	m.reconnects.Inc()
	m.nReconnects.Add(1)
}

func (m *metrics) resync(ok bool) {
	result := "ok"
	if !ok {
		result = "failed"
	}
	m.resyncs.WithLabelValues(result).Inc()
	m.nResyncs.Add(1)
}

// Counts is a snapshot of the ingester's counters since it was built.
type Counts struct {
	Events             int64 // events received, of every type
	Applied            int64 // status creates, updates and deletes stored
	SkippedInvalid     int64 // records that failed the lexicon
	SkippedStale       int64 // commits the stored state already reflected
	VerificationFailed int64 // commits dropped as unverifiable
	Malformed          int64 // frames that could not be decoded
	Reconnects         int64 // connections after the first
	Resyncs            int64 // repositories re-fetched after #sync
}

func (m *metrics) counts() Counts {
	return Counts{
		Events: m.nEvents.Load(), Applied: m.nApplied.Load(), SkippedInvalid: m.nInvalid.Load(),
		SkippedStale:       m.nStale.Load(),
		VerificationFailed: m.nVerifyFail.Load(), Malformed: m.nMalformed.Load(),
		Reconnects: m.nReconnects.Load(), Resyncs: m.nResyncs.Load(),
	}
}
