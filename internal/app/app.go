package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/statusphere/statusphere/internal/backfill"
	"github.com/statusphere/statusphere/internal/config"
	"github.com/statusphere/statusphere/internal/identity"
	"github.com/statusphere/statusphere/internal/ingest"
	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/lexindex"
	"github.com/statusphere/statusphere/internal/oauth"
	"github.com/statusphere/statusphere/internal/pds"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/web"
)

// userAgent is sent with every outbound request.
const userAgent = "statusphere-go (+https://github.com/statusphere/statusphere)"

// Option changes how [New] builds the app.
type Option func(*options)

type options struct {
	httpClient    *http.Client
	localSuffixes []string
	listener      net.Listener
	noWeb         bool
	lexiconTXT    lexicon.TXTLookup
}

// WithHTTPClient replaces the SSRF-safe client used for identity, OAuth and
// PDS calls (tests pass one that reaches the local network).
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.httpClient = c } }

// WithLocalHandleSuffixes resolves handles with these suffixes over HTTPS
// only, never DNS (".test" on the local network).
func WithLocalHandleSuffixes(s ...string) Option { return func(o *options) { o.localSuffixes = s } }

// WithListener serves on ln instead of listening on the configured address.
func WithListener(ln net.Listener) Option { return func(o *options) { o.listener = ln } }

// WithoutWeb builds only the ingester (the ingest command).
func WithoutWeb() Option { return func(o *options) { o.noWeb = true } }

// App is a built, not yet running, statusphere process.
type App struct {
	cfg      config.Config
	log      *slog.Logger
	Store    *store.Store
	OAuth    *oauth.Client
	Identity *identity.Resolver
	Web      *web.Server      // nil with WithoutWeb
	Ingester *ingest.Ingester // nil unless cfg.Ingest
	// Backfiller fetches the statuses written before the first start; nil
	// unless cfg.Ingest (see backfill.go).
	Backfiller  *backfill.Backfiller
	backfillDue bool // Run starts it once the ingester is connected
	ln          net.Listener
	handler     http.Handler // the web app, or only /metrics and /healthz

	// LexiconChecker checks the authorities of indexed lexicons.
	LexiconChecker *lexindex.Checker
}

// New builds the app: it opens (and migrates) the database, and listens.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts ...Option) (*App, error) {
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	if o.httpClient == nil {
		o.httpClient = newHTTPClient(cfg.PLCURL, cfg.BackfillURL)
	}
	ln := o.listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", cfg.Addr); err != nil {
			return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
		}
	}
	a, err := build(ctx, cfg, log, o, ln)
	if err != nil {
		ln.Close()
		return nil, err
	}
	return a, nil
}

func build(ctx context.Context, cfg config.Config, log *slog.Logger, o options, ln net.Listener) (*App, error) {
	c, err := openCore(ctx, cfg, o)
	if err != nil {
		return nil, err
	}
	st, cat, dir := c.store, c.catalog, c.dir
	resolver := identity.NewResolver(dir, st, log.With("component", "identity"))
	reg := newRegistry(st)
	a := &App{cfg: cfg, log: log, Store: st, Identity: resolver, ln: ln}
	if a.LexiconChecker, err = newLexiconChecker(st, o, log); err != nil {
		st.Close()
		return nil, err
	}

	if cfg.Ingest {
		a.Ingester, err = ingest.New(ingest.Config{
			Source: cfg.Source, RelayURL: cfg.RelayURL, JetstreamURL: cfg.JetstreamURL, UserAgent: userAgent,
			LeaseTTL: cfg.LeaseTTL,
		}, ingest.Deps{
			Store: st, Validator: cat, Collections: c.collections, Directory: c.dids, Identities: lexiconRecheck{resolver, st}, HTTPClient: o.httpClient,
			Registry: reg, Logger: log, // the ingester names its component itself
		})
		if err != nil {
			st.Close()
			return nil, fmt.Errorf("ingester: %w", err)
		}
		if err := a.scheduleBackfill(ctx, c, reg); err != nil {
			st.Close()
			return nil, err
		}
	}
	checks := map[string]web.Check{"database": databaseCheck(st)}
	if a.Ingester != nil {
		checks["ingest"] = ingestCheck(a.Ingester)
		checks["backfill"] = backfillCheck(a.Backfiller)
	}
	if o.noWeb {
		// The ingest-only process serves just its operations endpoints.
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", metricsHandler(reg))
		mux.Handle("GET /healthz", web.Health(checks))
		a.handler = mux
		return a, nil
	}
	oc, err := oauth.New(oauth.Config{
		PublicURL: cfg.PublicURL, LocalAddr: ln.Addr().String(), PrivateKey: cfg.OAuthKey,
		HTTPClient: o.httpClient, Directory: dir, UserAgent: userAgent,
	}, st, log.With("component", "oauth"))
	if err != nil {
		st.Close()
		return nil, err
	}
	ws, err := web.New(web.Deps{
		Store: st, Auth: oc, Records: web.NewPDSRecords(pds.New(o.httpClient, userAgent)), Identities: resolver, Lexicons: cat,
		LexIndex: newLexIndex(st, dir, o), Log: log.With("component", "web"), Secure: cfg.Secure(), SessionMaxAge: cfg.SessionMaxAge,
		Metrics: reg, Extra: map[string]http.Handler{"GET /metrics": metricsHandler(reg)},
		Checks: checks,
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	a.OAuth, a.Web, a.handler = oc, ws, ws
	return a, nil
}

// URL is where the app is reachable (http://127.0.0.1:port in development).
func (a *App) URL() string {
	if a.cfg.PublicURL != "" {
		return a.cfg.PublicURL
	}
	return "http://" + a.ln.Addr().String()
}

// Run runs the web server and the ingester (as built) until ctx ends, then
// shuts down gracefully (the ingester flushes its cursor) and closes the store.
func (a *App) Run(ctx context.Context) error {
	bi := ReadBuildInfo()
	a.log.Info("statusphere starting", "version", bi.Version, "commit", bi.Commit, "go", bi.GoVersion)
	defer a.Store.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer a.startBackfill(ctx)() // stops it (resumable) before the store closes
	errc := make(chan error, 2)
	running := 0
	if a.Ingester != nil {
		running++
		go func() {
			err := a.Ingester.Run(ctx)
			if err != nil && ctx.Err() == nil {
				err = fmt.Errorf("ingester: %w", err)
			} else {
				err = nil
			}
			errc <- err
		}()
	}
	running++
	go func() { errc <- a.serve(ctx) }()
	var first error
	for range running {
		if err := <-errc; err != nil && first == nil {
			first = err
			cancel() // one part failed: stop the other
		}
	}
	return first
}

// serve runs the web server and background jobs until ctx ends.
func (a *App) serve(ctx context.Context) error {
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	bg, stopBG := context.WithCancel(ctx)
	defer stopBG()
	go a.runLexiconChecker(bg)
	if a.Web != nil {
		srv.RegisterOnShutdown(a.Web.Close) // end open event streams, so shutdown does not wait on them
		go a.OAuth.PruneAuthRequests(bg, 10*time.Minute)
		go a.Identity.Run(bg, 5*time.Second)
		go a.Web.Watch(bg, 300*time.Millisecond)
		go a.pruneWebSessions(bg, time.Hour)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(a.ln) }()
	a.log.Info("statusphere serving", "url", a.URL(), "database", a.Store.Dialect(), "web", a.Web != nil, "ingest", a.Ingester != nil)

	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	a.log.Info("web server shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http shutdown: %w", err)
	}
	return nil
}

// pruneWebSessions deletes expired web sessions every interval until ctx ends.
func (a *App) pruneWebSessions(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := a.Store.PruneWebSessions(ctx, time.Now().UTC()); err != nil && ctx.Err() == nil {
			a.log.Warn("pruning expired web sessions", "error", err)
		} else if n > 0 {
			a.log.Info("pruned expired web sessions", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
