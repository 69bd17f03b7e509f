package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/statusphere/statusphere/internal/collection"
	"github.com/statusphere/statusphere/internal/lease"
	"github.com/statusphere/statusphere/internal/pds"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/verify"
)

// Sources an ingester can read.
const (
	// SourceRelay is com.atproto.sync.subscribeRepos on a relay or PDS:
	// signed commits with proofs, verified before anything is stored.
	SourceRelay = "relay"
	// SourceJetstream is a Jetstream instance: JSON, filtered server-side,
	// unverifiable (see docs/ingest.md).
	SourceJetstream = "jetstream"
)

// LeaseName is the lease an ingester holds while it applies events.
const LeaseName = "ingest"

// Config says where the ingester reads from and how it behaves. The URL of
// the source is required (internal/config holds the network's defaults);
// the zero values of the rest are sensible limits.
type Config struct {
	// Source is SourceRelay (default) or SourceJetstream.
	Source string
	// RelayURL is the relay or PDS: a host URL (wss://bsky.network; the
	// subscribeRepos path is added) or the full subscribeRepos URL. http
	// and https are taken to mean ws and wss.
	RelayURL string
	// JetstreamURL is Jetstream's subscribe URL
	// (wss://jetstream2.us-east.bsky.network/subscribe).
	JetstreamURL string
	// FromOldest, when no cursor is stored yet, replays everything the
	// source still holds (cursor 0) instead of starting from live events.
	FromOldest bool

	// DisableLease runs without the single-ingester lease. Only for a
	// database no other ingester uses.
	DisableLease bool
	// LeaseTTL is how long the lease lasts unless renewed (default 10s); it
	// is renewed every third of that. A standby ingester takes over at most
	// LeaseTTL after the first stops renewing (at once when the first was
	// a process of the same host that is gone).
	LeaseTTL time.Duration
	// LeaseHolder names this process in the lease (default host-pid-random).
	LeaseHolder string

	// CursorFlushInterval bounds how often a cursor-only write happens
	// while events concern nothing of ours (default 1s).
	CursorFlushInterval time.Duration
	// SummaryInterval is how often a summary line is logged (default 1m;
	// negative: never).
	SummaryInterval time.Duration
	// MaxFrameBytes is the largest frame accepted (default 4 MiB; larger
	// frames are counted as malformed and skipped).
	MaxFrameBytes int64
	// ReadTimeout is how long a connection may stay silent, pings
	// included, before it is dropped and redialled (default 20s; pings go
	// out every third of it).
	ReadTimeout time.Duration
	// BackoffMin and BackoffMax bound the wait between reconnects and
	// between retries of a failed database write (default 500ms and 10s).
	// The reconnect backoff starts over once a connection delivered a
	// message: only a source that keeps refusing is waited for longer.
	BackoffMin, BackoffMax time.Duration
	// VerifyRetries is how many times a commit whose signing key cannot be
	// fetched is retried before it is dropped as unverifiable (default 4).
	VerifyRetries int
	// JetstreamRewind is how far before its stored cursor a Jetstream
	// connection resumes, for gapless playback (default 2s; applying an
	// event twice is harmless).
	JetstreamRewind time.Duration
	// UserAgent is sent when dialling and fetching.
	UserAgent string
}

// Store is what the ingester needs of the database; *store.Store has it.
type Store interface {
	InTx(ctx context.Context, fn func(tx *store.Tx) error) error
	Cursor(ctx context.Context, source string) (int64, error)
	SetCursor(ctx context.Context, source string, cursor int64) error
	LatestStatus(ctx context.Context, author syntax.DID) (store.Status, error)
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration, now time.Time) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
}

// Validator checks records against the app's lexicon; *lexicon.Catalog has
// it.
type Validator = collection.Validator

// IdentityRefresher refreshes the cached handle of an account after an
// #identity event; *identity.Resolver has it.
type IdentityRefresher interface {
	Refresh(ctx context.Context, did syntax.DID) (store.Identity, error)
}

// Deps are the ingester's collaborators.
type Deps struct {
	// Store is the database (required).
	Store Store
	// Validator checks records (required unless Collections is set).
	Validator Validator
	// Collections maps the collections stored to their handlers (default:
	// collection.Default(Validator), the status collection). The ingester
	// applies operations on these and drops the rest unverified.
	Collections *collection.Registry
	// Directory resolves DIDs to their DID documents, for signing keys and
	// PDS endpoints (required for the relay source); no handle is resolved
	// on the stream's path. Keys are cached by the verifier; #identity
	// drops them (and purges the resolver if it has a cache).
	Directory verify.DIDResolver
	// Identities refreshes handles on #identity events (optional).
	Identities IdentityRefresher
	// OnResync, if set, is called after a #sync event marked a repository
	// pending (the app wakes the backfill's workers, which fetch it).
	OnResync func()
	// Dialer dials the websocket (default: websocket.DefaultDialer's
	// settings).
	Dialer *websocket.Dialer
	// Registry receives the ingester's metrics (optional).
	Registry prometheus.Registerer
	// Logger logs (default: discard).
	Logger *slog.Logger
}

// Ingester applies the events of one source to the store.
type Ingester struct {
	cfg         Config
	source      string // cursor name: "relay:host" or "jetstream:host"
	url         *url.URL
	store       Store
	verifier    *verify.Verifier
	collections *collection.Registry
	onResync    func()
	dialer      *websocket.Dialer
	log         *slog.Logger
	m           *metrics
	refreshes   *refresher

	running atomic.Bool

	// Health, read by Status from any goroutine.
	lastEventTime atomic.Int64 // unix nanoseconds of the last event's own time
	holdsLease    atomic.Bool
	leaseLost     atomic.Bool // set before consumption is cancelled: no final cursor write
	delivered     atomic.Bool // the current connection delivered a message

	// cur is the cursor state, owned by the goroutine that consumes.
	cur cursorState
}

// New checks cfg, fills in its defaults and returns an ingester; nothing
// is dialled until Run. The source's URL (RelayURL or JetstreamURL) is
// required.
func New(cfg Config, deps Deps) (*Ingester, error) {
	cfg.setDefaults()
	u, err := cfg.check(deps)
	if err != nil {
		return nil, err
	}
	m := newMetrics()
	if err := m.register(deps.Registry, cfg.Source); err != nil {
		return nil, err
	}
	deps.setDefaults()
	log := deps.Logger.With("component", "ingest", "source", cfg.Source)
	i := &Ingester{
		cfg:         cfg,
		source:      cfg.Source + ":" + u.Host,
		url:         u,
		store:       deps.Store,
		collections: deps.Collections,
		dialer:      deps.Dialer,
		log:         log,
		m:           m,
		onResync:    deps.OnResync,
	}
	if deps.Directory != nil {
		i.verifier = verify.New(deps.Directory)
	}
	if deps.Identities != nil {
		i.refreshes = newRefresher(deps.Identities, log, m)
	}
	return i, nil
}

// setDefaults fills in the zero fields of cfg (not the URLs: they are
// the caller's, from internal/config).
func (cfg *Config) setDefaults() {
	setDefault(&cfg.Source, SourceRelay)
	setDefault(&cfg.LeaseTTL, 10*time.Second)
	setDefault(&cfg.CursorFlushInterval, time.Second)
	setDefault(&cfg.SummaryInterval, time.Minute)
	setDefault(&cfg.MaxFrameBytes, 4<<20)
	setDefault(&cfg.ReadTimeout, 20*time.Second)
	setDefault(&cfg.BackoffMin, 500*time.Millisecond)
	setDefault(&cfg.BackoffMax, 10*time.Second)
	setDefault(&cfg.VerifyRetries, 4)
	setDefault(&cfg.JetstreamRewind, 2*time.Second)
	setDefault(&cfg.UserAgent, "statusphere-ingest")
	if cfg.LeaseHolder == "" {
		cfg.LeaseHolder = lease.DefaultHolder()
	}
}

// check checks cfg and the required deps, and returns the URL to dial.
func (cfg *Config) check(deps Deps) (*url.URL, error) {
	if deps.Store == nil {
		return nil, errors.New("ingest: Deps.Store is required")
	}
	if deps.Validator == nil && deps.Collections == nil {
		return nil, errors.New("ingest: Deps.Validator or Deps.Collections is required")
	}
	var (
		u   *url.URL
		err error
	)
	switch cfg.Source {
	case SourceRelay:
		if deps.Directory == nil {
			return nil, errors.New("ingest: Deps.Directory is required for the relay source")
		}
		u, err = pds.SubscribeReposURL(cfg.RelayURL)
	case SourceJetstream:
		u, err = pds.WebsocketURL(cfg.JetstreamURL)
	default:
		return nil, fmt.Errorf("ingest: source %q is not %q or %q", cfg.Source, SourceRelay, SourceJetstream)
	}
	if err != nil {
		return nil, fmt.Errorf("ingest: %s URL: %w", cfg.Source, err)
	}
	return u, nil
}

// setDefaults fills in the optional deps.
func (deps *Deps) setDefaults() {
	if deps.Collections == nil {
		deps.Collections = collection.Default(deps.Validator)
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Dialer == nil {
		d := *websocket.DefaultDialer
		deps.Dialer = &d
	}
}

func setDefault[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}

// SourceName is the name under which the ingester stores its cursor:
// "relay:<host>" or "jetstream:<host>".
func (i *Ingester) SourceName() string { return i.source }

// Run consumes events until ctx is cancelled, then flushes the cursor
// (under a short timeout of its own) and returns nil. Unless the lease is
// disabled, it first waits to hold the "ingest" lease, and stops applying
// as soon as it loses it. Connection failures are retried forever with
// backoff; Run returns an error only if it cannot work at all.
func (i *Ingester) Run(ctx context.Context) error {
	if !i.running.CompareAndSwap(false, true) {
		return errors.New("ingest: Run called twice")
	}
	bg, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait() // background work ends before Run returns
	defer stop()
	if i.cfg.SummaryInterval > 0 {
		wg.Go(func() { i.summarize(bg) })
	}
	if i.refreshes != nil {
		wg.Go(func() { i.refreshes.run(bg) })
	}
	if i.cfg.DisableLease {
		i.consume(ctx)
	} else {
		i.runWithLease(ctx)
	}
	return nil
}

// consume runs the source's connection loop until ctx ends.
func (i *Ingester) consume(ctx context.Context) {
	switch i.cfg.Source {
	case SourceJetstream:
		i.runJetstream(ctx)
	default:
		i.runRelay(ctx)
	}
}

// Health is what /healthz shows of the ingester.
type Health struct {
	Connected     bool          // connected to the source now
	HoldsLease    bool          // this process is the one applying events
	LastEventTime time.Time     // the event time of the last event handled (zero: none yet)
	Lag           time.Duration // how far behind that event's time it was handled
	Cursor        int64         // the last cursor stored
	Counts        Counts        // counters since start
}

// Health reports the ingester's health; safe to call from any goroutine.
func (i *Ingester) Health() Health {
	h := Health{
		Connected:  i.m.connected.Load(),
		HoldsLease: i.holdsLease.Load() || i.cfg.DisableLease,
		Lag:        time.Duration(i.m.lag.Load()),
		Cursor:     i.m.cursor.Load(),
		Counts:     i.m.counts(),
	}
	if ns := i.lastEventTime.Load(); ns != 0 {
		h.LastEventTime = time.Unix(0, ns).UTC()
	}
	return h
}

// observe records an event's own time for the lag metric.
func (i *Ingester) observe(t time.Time) {
	if t.IsZero() {
		return
	}
	lag := max(time.Since(t), 0)
	i.lastEventTime.Store(t.UnixNano())
	i.m.lag.Store(int64(lag))
}

// observeRFC3339 is observe for a timestamp string; bad ones are ignored.
func (i *Ingester) observeRFC3339(s string) {
	if s == "" {
		return
	}
	if dt, err := syntax.ParseDatetimeLenient(s); err == nil {
		i.observe(dt.Time())
	}
}

// setConnected updates the connected state and gauge.
func (i *Ingester) setConnected(ok bool) {
	i.m.connected.Store(ok)
}

// summarize logs a summary line every SummaryInterval until ctx ends.
func (i *Ingester) summarize(ctx context.Context) {
	t := time.NewTicker(i.cfg.SummaryInterval)
	defer t.Stop()
	var last Counts
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		h := i.Health()
		c := h.Counts
		i.log.Info("ingest summary",
			"connected", h.Connected, "holds_lease", h.HoldsLease,
			"events", c.Events-last.Events, "applied", c.Applied-last.Applied,
			"skipped_invalid", c.SkippedInvalid-last.SkippedInvalid,
			"verification_failed", c.VerificationFailed-last.VerificationFailed,
			"malformed", c.Malformed-last.Malformed, "reconnects", c.Reconnects-last.Reconnects,
			"cursor", h.Cursor, "lag", h.Lag.Round(time.Millisecond), "interval", i.cfg.SummaryInterval)
		last = c
	}
}
