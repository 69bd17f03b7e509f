package backfill

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/statusphere/statusphere/internal/store"
)

// Progress is a snapshot of a backfill's progress.
type Progress struct {
	Running     bool // Run is working
	Discovering bool // repositories are still being listed: Total may grow
	// Total is the number of repositories in the run; Done, Skipped and
	// Failed those finished (Pending is the rest).
	Total, Done, Skipped, Failed int64
	// Records is how many statuses this process stored, Invalid how many
	// records it skipped as invalid (lexicon), Errors how many fetch or
	// verification attempts failed (each is retried until MaxAttempts),
	// Refetches how many snapshots were fetched again because the
	// firehose got ahead of them.
	Records, Invalid, Errors, Refetches int64
	// Elapsed is how long this process's Run has been working; Rate is how
	// many repositories it finishes per second, and ETA how long the
	// pending ones will take at that rate (0 when unknown).
	Elapsed time.Duration
	Rate    float64
	ETA     time.Duration
}

// Finished is the number of repositories done, skipped or failed.
func (p Progress) Finished() int64 { return p.Done + p.Skipped + p.Failed }

// Pending is the number of repositories still to do.
func (p Progress) Pending() int64 { return max(p.Total-p.Finished(), 0) }

// logAttrs are the attributes of the progress log lines.
func (p Progress) logAttrs() []any {
	eta := "unknown"
	if p.ETA > 0 || p.Pending() == 0 {
		eta = p.ETA.Round(time.Second).String()
	}
	return []any{
		"repos_done", p.Finished(), "repos_total", p.Total, "discovering", p.Discovering,
		"done", p.Done, "skipped", p.Skipped, "failed", p.Failed,
		"records", p.Records, "invalid", p.Invalid, "errors", p.Errors,
		"rate", fmt.Sprintf("%.1f repos/s", p.Rate), "eta", eta, "elapsed", p.Elapsed.Round(time.Second),
	}
}

// progress holds a backfill's counters, shared by its workers, the
// progress line, the metrics and Progress.
type progress struct {
	running, discovering atomic.Bool
	// The run's repositories by state: loaded from the store when Run
	// begins, then counted.
	total, done, skipped, failed atomic.Int64
	// This process's work (cumulative: they back Prometheus counters).
	records, invalid, errors, refetches atomic.Int64

	mu        sync.Mutex
	start     time.Time // when this Run began
	finished0 int64     // repositories finished when it began
}

// reset loads the run's counts when Run begins.
func (p *progress) reset(c store.BackfillCounts, discovering bool) {
	p.total.Store(c.Total())
	p.done.Store(c.Done)
	p.skipped.Store(c.Skipped)
	p.failed.Store(c.Failed)
	p.discovering.Store(discovering)
	p.mu.Lock()
	p.start, p.finished0 = time.Now(), c.Done+c.Skipped+c.Failed
	p.mu.Unlock()
}

func (p *progress) discovered(n int) { p.total.Add(int64(n)) }
func (p *progress) repoSkipped()     { p.skipped.Add(1) }
func (p *progress) repoFailed()      { p.failed.Add(1) }
func (p *progress) fetchError()      { p.errors.Add(1) }
func (p *progress) refetch()         { p.refetches.Add(1) }

func (p *progress) repoDone(valid, invalid int) {
	p.done.Add(1)
	p.records.Add(int64(valid))
	p.invalid.Add(int64(invalid))
}

func (p *progress) snapshot() Progress {
	s := Progress{
		Running: p.running.Load(), Discovering: p.discovering.Load(),
		Total: p.total.Load(), Done: p.done.Load(), Skipped: p.skipped.Load(), Failed: p.failed.Load(),
		Records: p.records.Load(), Invalid: p.invalid.Load(), Errors: p.errors.Load(), Refetches: p.refetches.Load(),
	}
	p.mu.Lock()
	start, finished0 := p.start, p.finished0
	p.mu.Unlock()
	if start.IsZero() {
		return s
	}
	s.Elapsed = time.Since(start)
	if here := s.Finished() - finished0; here > 0 && s.Elapsed > 0 {
		s.Rate = float64(here) / s.Elapsed.Seconds()
		s.ETA = time.Duration(float64(s.Pending()) / s.Rate * float64(time.Second))
	}
	return s
}

// logProgress logs a progress line every ProgressInterval until ctx ends.
func (b *Backfiller) logProgress(ctx context.Context) {
	t := time.NewTicker(b.cfg.ProgressInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			b.log.Info("backfill progress", b.Progress().logAttrs()...)
		}
	}
}

// registerMetrics registers the backfill's metrics, read from p, on
// reg (none if nil).
func registerMetrics(reg prometheus.Registerer, p *progress) error {
	if reg == nil {
		return nil
	}
	const ns, sub = "statusphere", "backfill"
	gauge := func(name, help string, labels prometheus.Labels, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: name, Help: help, ConstLabels: labels}, f)
	}
	counter := func(name, help string, v *atomic.Int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: name, Help: help},
			func() float64 { return float64(v.Load()) })
	}
	const reposHelp = "Repositories of the backfill run, by state (pending, done, skipped, failed)."
	state := func(s string, f func() int64) prometheus.Collector {
		return gauge("repos", reposHelp, prometheus.Labels{"state": s}, func() float64 { return float64(f()) })
	}
	cs := []prometheus.Collector{
		state("pending", func() int64 { return p.snapshot().Pending() }),
		state("done", p.done.Load),
		state("skipped", p.skipped.Load),
		state("failed", p.failed.Load),
		counter("records_total", "Status records stored by the backfill.", &p.records),
		counter("invalid_records_total", "Status records the backfill skipped because they fail the lexicon.", &p.invalid),
		counter("errors_total", "Failed attempts to fetch and verify a repository (each is retried until the attempts run out).", &p.errors),
		counter("refetches_total", "Repositories fetched again because the firehose applied a newer commit while they were fetched.", &p.refetches),
		gauge("running", "1 while a backfill runs.", nil, func() float64 {
			if p.running.Load() {
				return 1
			}
			return 0
		}),
		gauge("eta_seconds", "Estimated time to finish the pending repositories at the current rate (0: unknown).", nil,
			func() float64 { return p.snapshot().ETA.Seconds() }),
	}
	var errs []error
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("backfill: register backfill metrics: %w", err)
	}
	return nil
}
