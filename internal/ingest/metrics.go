package ingest

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// labeled is a set of counters keyed by one label's values, fixed when it
// is made (a value it does not know counts as "unknown", so an event
// source cannot grow it).
type labeled map[string]*atomic.Int64

func newLabeled(values ...string) labeled {
	l := labeled{kindUnknown: new(atomic.Int64)}
	for _, v := range values {
		l[v] = new(atomic.Int64)
	}
	return l
}

func (l labeled) inc(v string) {
	c, ok := l[v]
	if !ok {
		c = l[kindUnknown]
	}
	c.Add(1)
}

// get returns the count of v.
func (l labeled) get(v string) int64 {
	if c, ok := l[v]; ok {
		return c.Load()
	}
	return 0
}

func (l labeled) sum() int64 {
	var n int64
	for _, c := range l {
		n += c.Load()
	}
	return n
}

// metrics are the ingester's counters: plain atomics, read by Health, the
// summary line and (through CounterFuncs and GaugeFuncs) Prometheus, so
// every reader sees the same numbers.
type metrics struct {
	events            labeled // by type
	applied           labeled // by action
	resyncs           labeled // by result (ok, failed)
	identityRefreshes labeled // by result (ok, failed, dropped)

	invalid, stale, verifyFail, malformed, reconnects, storeErrors atomic.Int64

	lag       atomic.Int64 // nanoseconds behind, at the last event
	cursor    atomic.Int64 // the last cursor stored
	connected atomic.Bool
}

func newMetrics() *metrics {
	return &metrics{
		events: newLabeled(kindCommit, kindSync, kindIdentity, kindAccount, kindInfo, kindError,
			"commit", "identity", "account"), // Jetstream's kinds
		applied:           newLabeled("create", "update", "delete"),
		resyncs:           newLabeled("ok", "failed"),
		identityRefreshes: newLabeled("ok", "failed", "dropped"),
	}
}

// register registers the metrics on reg (none if nil). Every metric
// carries the label source ("relay" or "jetstream").
func (m *metrics) register(reg prometheus.Registerer, source string) error {
	if reg == nil {
		return nil
	}
	const ns, sub = "statusphere", "ingest"
	var cs []prometheus.Collector
	counter := func(name, help string, c *atomic.Int64) {
		cs = append(cs, prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: name, Help: help,
			ConstLabels: prometheus.Labels{"source": source}}, func() float64 { return float64(c.Load()) }))
	}
	vec := func(name, help, label string, l labeled) {
		for v, c := range l {
			cs = append(cs, prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: name, Help: help,
				ConstLabels: prometheus.Labels{"source": source, label: v}}, func() float64 { return float64(c.Load()) }))
		}
	}
	gauge := func(name, help string, f func() float64) {
		cs = append(cs, prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: name, Help: help,
			ConstLabels: prometheus.Labels{"source": source}}, f))
	}
	vec("events_total", "Events received, by type (#commit, #identity, #account, #sync, #info, error, unknown).", "type", m.events)
	vec("applied_total", "Status record operations stored, by action (create, update, delete).", "action", m.applied)
	vec("resyncs_total", "Repositories re-fetched after a #sync event, by result (ok, failed).", "result", m.resyncs)
	vec("identity_refreshes_total", "Handle refreshes after #identity events, by result (ok, failed, dropped).", "result", m.identityRefreshes)
	counter("skipped_invalid_total", "Status records skipped because they fail the lexicon.", &m.invalid)
	counter("skipped_stale_total", "Commits not applied because the stored state of their repository is already at or past their rev (a backfill or resync snapshot, or a replay).", &m.stale)
	counter("verification_failed_total", "Commits (and #sync events) dropped because they failed verification.", &m.verifyFail)
	counter("malformed_frames_total", "Frames that could not be decoded (garbage, truncated, oversized).", &m.malformed)
	counter("reconnects_total", "Connections to the source after the first.", &m.reconnects)
	counter("store_errors_total", "Failed database writes (each is retried).", &m.storeErrors)
	gauge("lag_seconds", "How far behind the event time of the last event handled the ingester runs.",
		func() float64 { return time.Duration(m.lag.Load()).Seconds() })
	gauge("cursor", "The last cursor stored (relay seq, or Jetstream time_us).", func() float64 { return float64(m.cursor.Load()) })
	gauge("connected", "1 while connected to the source.", func() float64 {
		if m.connected.Load() {
			return 1
		}
		return 0
	})
	var errs []error
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("ingest: register metrics: %w", err)
	}
	return nil
}

func (m *metrics) event(kind string)     { m.events.inc(kind) }
func (m *metrics) applyOp(action string) { m.applied.inc(action) }
func (m *metrics) invalidRecord()        { m.invalid.Add(1) }
func (m *metrics) staleCommit()          { m.stale.Add(1) }
func (m *metrics) verificationFailed()   { m.verifyFail.Add(1) }
func (m *metrics) malformedFrame()       { m.malformed.Add(1) }
func (m *metrics) reconnect()            { m.reconnects.Add(1) }
func (m *metrics) storeError()           { m.storeErrors.Add(1) }

func (m *metrics) resync(ok bool) {
	if ok {
		m.resyncs.inc("ok")
	} else {
		m.resyncs.inc("failed")
	}
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
		Events: m.events.sum(), Applied: m.applied.sum(), SkippedInvalid: m.invalid.Load(),
		SkippedStale:       m.stale.Load(),
		VerificationFailed: m.verifyFail.Load(), Malformed: m.malformed.Load(),
		Reconnects: m.reconnects.Load(), Resyncs: m.resyncs.sum(),
	}
}
