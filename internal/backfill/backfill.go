package backfill

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/bluesky-social/indigo/util/ssrf"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/statusphere/statusphere/internal/collection"
	"github.com/statusphere/statusphere/internal/lease"
	"github.com/statusphere/statusphere/internal/pds"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/verify"
)

// RunName names the run in the store. It is the name the first backfill
// (of statuses only) gave its run, kept so that stored runs resume; a run
// covers every registered collection.
const RunName = "xyz.statusphere.status"

// Config says where a backfill finds repositories and how it works. URL is
// required; the zero values of the rest are sensible limits.
type Config struct {
	// URL is the host that lists the repositories to fetch: a relay
	// (https://bsky.network), asked with
	// com.atproto.sync.listReposByCollection for the repositories holding
	// our collection, or a PDS, which does not implement that method:
	// com.atproto.sync.listRepos is then used, and each repository is first
	// asked (com.atproto.repo.listRecords) whether it holds any status.
	URL string
	// Workers is how many repositories are fetched at once (default 4).
	Workers int
	// PageSize is the discovery page size (default 1000, the most the
	// methods allow).
	PageSize int
	// MaxAttempts is how many times a repository whose fetch or
	// verification fails is tried before it is marked failed (default 5).
	MaxAttempts int
	// FailedRetryMin and FailedRetryMax bound the wait before a failed
	// repository is tried again by [Backfiller.RetryFailed], doubling per
	// failure (default 10m and 6h); FailedPollInterval is how often it
	// looks for failed repositories whose time has come (default 1m).
	FailedRetryMin, FailedRetryMax time.Duration
	FailedPollInterval             time.Duration
	// RetryMin and RetryMax bound the wait before a failed repository is
	// tried again, doubling per attempt (default 5s and 5m). Other
	// repositories go on meanwhile.
	RetryMin, RetryMax time.Duration
	// StaleRefetches is how many times in a row a repository is fetched
	// again when the firehose applied a newer commit of it while it was
	// being fetched (default 3); past that it counts as a failed attempt.
	StaleRefetches int
	// DiscoveryRetries is how many times in a row a failed discovery page
	// (or database error) is retried with backoff before Run gives up
	// (default 8).
	DiscoveryRetries int
	// ProgressInterval is how often a progress line is logged (default 5s;
	// negative: never).
	ProgressInterval time.Duration
	// FetchTimeout bounds one repository download or discovery page
	// (default 1m); MaxRepoBytes bounds a repository's size (default
	// 256 MiB).
	FetchTimeout time.Duration
	MaxRepoBytes int64
	// LeaseTTL is how long the backfill lease lasts unless renewed
	// (default 30s); LeaseHolder names this process in it (default
	// host-pid-random).
	LeaseTTL    time.Duration
	LeaseHolder string
	// UserAgent is sent with every request.
	UserAgent string
}

// Store is what a backfill needs of the database; *store.Store has
// it.
type Store interface {
	InTx(ctx context.Context, fn func(tx *store.Tx) error) error
	BackfillRun(ctx context.Context, name string) (store.BackfillRun, error)
	SaveBackfillRun(ctx context.Context, r store.BackfillRun) error
	BackfillCounts(ctx context.Context) (store.BackfillCounts, error)
	PendingBackfillRepos(ctx context.Context, after syntax.DID, limit int) ([]store.RepoState, error)
	SetRepoBackfill(ctx context.Context, did syntax.DID, state store.BackfillState, attempts int, retryAfter time.Time, errMsg string) error
	RequeueFailedBackfillRepos(ctx context.Context, now time.Time) (int64, error)
	LatestStatus(ctx context.Context, author syntax.DID) (store.Status, error)
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration, now time.Time) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
}

// Deps are a backfill's collaborators.
type Deps struct {
	// Store is the database (required).
	Store Store
	// Validator checks records (required unless Collections is set): the
	// ingester's.
	Validator collection.Validator
	// Collections maps the collections stored to their handlers (default:
	// collection.Default(Validator)): the ingester's.
	Collections *collection.Registry
	// Directory resolves DIDs to their DID documents, for their PDS and
	// signing key (required).
	Directory verify.DIDResolver
	// HTTPClient calls the discovery host and every PDS (default: an
	// SSRF-safe client reaching public addresses only). A discovery host on
	// a private network needs a client that trusts it.
	HTTPClient *http.Client
	// Registry receives the backfill's metrics (optional).
	Registry prometheus.Registerer
	// Logger logs (default: discard).
	Logger *slog.Logger
}

// Backfiller fetches the existing status records of every repository that
// holds some, and converges with the live firehose on the same database.
type Backfiller struct {
	cfg         Config
	store       Store
	fetch       *collection.Fetcher
	collections *collection.Registry
	pds         *pds.Client
	log         *slog.Logger
	p           *progress
	running     atomic.Bool
	wake        chan struct{} // Wake's signal to RetryFailed
}

// New checks cfg, fills in its defaults and returns a backfiller; nothing
// is fetched until Run. cfg.URL is required.
func New(cfg Config, deps Deps) (*Backfiller, error) {
	cfg.setDefaults()
	if u, err := url.Parse(cfg.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("backfill: URL %q is not an http(s) URL", cfg.URL)
	}
	if deps.Store == nil || (deps.Validator == nil && deps.Collections == nil) || deps.Directory == nil {
		return nil, errors.New("backfill: Deps.Store, Validator (or Collections) and Directory are required")
	}
	if deps.Collections == nil {
		deps.Collections = collection.Default(deps.Validator)
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.HTTPClient == nil {
		deps.HTTPClient = &http.Client{Timeout: cfg.FetchTimeout, Transport: ssrf.PublicOnlyTransport()}
	}
	p := &progress{}
	if err := registerMetrics(deps.Registry, p); err != nil {
		return nil, err
	}
	client := pds.New(deps.HTTPClient, cfg.UserAgent)
	return &Backfiller{
		cfg:         cfg,
		store:       deps.Store,
		fetch:       collection.NewFetcher(verify.New(deps.Directory), deps.Collections, client, cfg.FetchTimeout, cfg.MaxRepoBytes),
		collections: deps.Collections,
		pds:         client,
		log:         deps.Logger.With("component", "backfill", "host", cfg.URL),
		p:           p,
		wake:        make(chan struct{}, 1),
	}, nil
}

// setDefaults fills in the zero fields of cfg.
func (cfg *Config) setDefaults() {
	setDefault(&cfg.Workers, 4)
	setDefault(&cfg.PageSize, 1000)
	setDefault(&cfg.MaxAttempts, 5)
	setDefault(&cfg.FailedRetryMin, 10*time.Minute)
	setDefault(&cfg.FailedRetryMax, 6*time.Hour)
	setDefault(&cfg.FailedPollInterval, time.Minute)
	setDefault(&cfg.RetryMin, 5*time.Second)
	setDefault(&cfg.RetryMax, 5*time.Minute)
	setDefault(&cfg.StaleRefetches, 3)
	setDefault(&cfg.DiscoveryRetries, 8)
	setDefault(&cfg.ProgressInterval, 5*time.Second)
	setDefault(&cfg.FetchTimeout, time.Minute)
	setDefault(&cfg.MaxRepoBytes, 256<<20)
	setDefault(&cfg.LeaseTTL, 30*time.Second)
	setDefault(&cfg.UserAgent, "statusphere-backfill")
	if cfg.LeaseHolder == "" {
		cfg.LeaseHolder = lease.DefaultHolder()
	}
}

func setDefault[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}

// Schedule decides at start-up whether the backfill should run. On a first
// start (firstStart: no ingest cursor is stored yet) with no run ever
// recorded, it records a new run, so that even if the process stops before
// the backfill begins, the next start resumes it. It reports whether a run
// is unfinished.
func (b *Backfiller) Schedule(ctx context.Context, firstStart bool) (bool, error) {
	run, err := b.store.BackfillRun(ctx, RunName)
	switch {
	case err == nil:
		return !run.Finished, nil
	case !errors.Is(err, store.ErrNotFound):
		return false, fmt.Errorf("backfill: %w", err)
	case !firstStart:
		return false, nil
	}
	if _, err := b.startRun(ctx); err != nil {
		return false, err
	}
	return true, nil
}

// startRun records a new run: every repository leaves the previous one.
func (b *Backfiller) startRun(ctx context.Context) (store.BackfillRun, error) {
	run := store.BackfillRun{Name: RunName, Host: b.cfg.URL, StartedAt: time.Now().UTC()}
	err := b.store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.ResetBackfill(ctx); err != nil {
			return err
		}
		return tx.SaveBackfillRun(ctx, run)
	})
	if err != nil {
		return store.BackfillRun{}, fmt.Errorf("backfill: start a run: %w", err)
	}
	return run, nil
}

// Run backfills until every repository of the run is done, skipped or
// failed, then marks the run finished and returns its progress. It resumes
// an unfinished run (discovery from its stored cursor, repositories not
// finished yet); with no unfinished run it starts a new one. One repository
// that cannot be fetched or verified never stops the others: it is retried
// later, and marked failed after MaxAttempts. Run returns an error when ctx
// ends (the run stays resumable) or discovery keeps failing.
//
// Run first waits for the backfill lease, so one backfill runs at a time on
// a database.
//
// To converge with the firehose, start the ingester first: a repository
// changed after its snapshot was fetched reaches the store through the
// firehose, and one that gains its first status after discovery too.
func (b *Backfiller) Run(ctx context.Context) (Progress, error) {
	if !b.running.CompareAndSwap(false, true) {
		return Progress{}, errors.New("backfill: Run called twice at once")
	}
	defer b.running.Store(false)
	err := b.underLease(ctx, b.run)
	p := b.Progress()
	if err == nil {
		b.log.Info("backfill finished", p.logAttrs()...)
	}
	return p, err
}

// run is Run under the lease.
func (b *Backfiller) run(ctx context.Context) error {
	run, err := b.begin(ctx)
	if err != nil {
		return err
	}
	b.p.running.Store(true)
	defer b.p.running.Store(false)
	var wg sync.WaitGroup
	defer wg.Wait()
	pctx, stopProgress := context.WithCancel(ctx)
	defer stopProgress()
	if b.cfg.ProgressInterval > 0 {
		wg.Go(func() { b.logProgress(pctx) })
	}

	if !run.Discovered {
		if err := b.discover(ctx, &run); err != nil {
			return err
		}
	}
	b.p.discovering.Store(false)
	if err := b.fetchAll(ctx, run.Method == methodListRepos); err != nil {
		return err
	}
	run.Finished = true
	if err := b.store.SaveBackfillRun(ctx, run); err != nil {
		return fmt.Errorf("backfill: mark the run finished: %w", err)
	}
	return nil
}

// begin loads the unfinished run, or starts a new one, and loads its
// counts into the progress.
func (b *Backfiller) begin(ctx context.Context) (store.BackfillRun, error) {
	run, err := b.store.BackfillRun(ctx, RunName)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && run.Finished):
		if run, err = b.startRun(ctx); err != nil {
			return run, err
		}
	case err != nil:
		return run, fmt.Errorf("backfill: %w", err)
	case run.Host != b.cfg.URL:
		// Another discovery host: list again from its start; what is done
		// stays done.
		run.Host, run.Method, run.Cursor, run.Discovered = b.cfg.URL, "", "", false
		if err := b.store.SaveBackfillRun(ctx, run); err != nil {
			return run, fmt.Errorf("backfill: %w", err)
		}
	}
	counts, err := b.store.BackfillCounts(ctx)
	if err != nil {
		return run, fmt.Errorf("backfill: %w", err)
	}
	b.p.reset(counts, !run.Discovered)
	if counts.Total() == 0 && run.Cursor == "" {
		b.log.Info("backfill starting", "workers", b.cfg.Workers)
	} else {
		b.log.Info("backfill resuming", "started_at", run.StartedAt, "discovered", run.Discovered, "cursor", run.Cursor,
			"repos_done", counts.Done+counts.Skipped+counts.Failed, "repos_total", counts.Total())
	}
	return run, nil
}

// Progress reports the progress of the run; safe to call from any
// goroutine, during or after Run.
func (b *Backfiller) Progress() Progress { return b.p.snapshot() }
