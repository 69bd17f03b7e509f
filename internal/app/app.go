package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

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
	opsListener   net.Listener
	noWeb         bool
	oauthScopes   []string
	lexiconTXT    lexicon.TXTLookup
}

// WithHTTPClient replaces the SSRF-safe client used for identity, OAuth and
// PDS calls (tests pass one that reaches the local network).
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.httpClient = c } }

// WithLocalHandleSuffixes resolves handles with these suffixes over HTTPS
// only, never DNS (".test" on the local network).
func WithLocalHandleSuffixes(s ...string) Option { return func(o *options) { o.localSuffixes = s } }

// WithListener serves the app on ln instead of listening on the configured
// address.
func WithListener(ln net.Listener) Option { return func(o *options) { o.listener = ln } }

// WithOAuthScopes replaces the scopes logins ask for (tests of a client
// that asks for less than the app does).
func WithOAuthScopes(s ...string) Option { return func(o *options) { o.oauthScopes = s } }

// WithOpsListener serves the operations endpoints on ln instead of
// listening on the configured ops address.
func WithOpsListener(ln net.Listener) Option { return func(o *options) { o.opsListener = ln } }

// WithoutWeb builds only the ingester (the ingest command): no app, and no
// listener but the operations one.
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
	backfillDue bool         // Run starts it once the ingester is connected
	ln          net.Listener // the app's; nil with WithoutWeb
	opsLn       net.Listener // the operations endpoints'; nil when off
	ops         http.Handler // /metrics, /healthz, /readyz, pprof
	conn        *connWatch   // the ingester's connection, for /readyz

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
	closeAll := func() {
		for _, l := range []net.Listener{o.listener, o.opsListener} {
			if l != nil {
				l.Close()
			}
		}
	}
	var err error
	if o.listener == nil && !o.noWeb {
		if o.listener, err = net.Listen("tcp", cfg.Addr); err != nil {
			return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
		}
	}
	if o.opsListener == nil && cfg.OpsAddr != "" {
		if o.opsListener, err = net.Listen("tcp", cfg.OpsAddr); err != nil {
			closeAll()
			return nil, fmt.Errorf("listen on %s (ops): %w", cfg.OpsAddr, err)
		}
	}
	a, err := build(ctx, cfg, log, o)
	if err != nil {
		closeAll()
		return nil, err
	}
	return a, nil
}

func build(ctx context.Context, cfg config.Config, log *slog.Logger, o options) (*App, error) {
	c, err := openCore(ctx, cfg, o)
	if err != nil {
		return nil, err
	}
	st := c.store
	resolver := identity.NewResolver(c.dir, st, log.With("component", "identity"))
	reg := newRegistry(st)
	a := &App{cfg: cfg, log: log, Store: st, Identity: resolver, ln: o.listener, opsLn: o.opsListener}
	if a.LexiconChecker, err = newLexiconChecker(st, o, log); err != nil {
		st.Close()
		return nil, err
	}
	if cfg.Ingest {
		if err := a.buildIngester(ctx, c, reg, o); err != nil {
			st.Close()
			return nil, err
		}
	}
	a.ops = opsHandler(reg, a.healthChecks(), a.readyChecks())
	if o.noWeb {
		return a, nil
	}
	if err := a.buildWeb(c, reg, o); err != nil {
		st.Close()
		return nil, err
	}
	return a, nil
}

// buildIngester builds the ingester and schedules the backfill.
func (a *App) buildIngester(ctx context.Context, c *core, reg *prometheus.Registry, o options) error {
	var err error
	a.Ingester, err = ingest.New(ingest.Config{
		Source: a.cfg.Source, RelayURL: a.cfg.RelayURL, JetstreamURL: a.cfg.JetstreamURL, UserAgent: userAgent,
		LeaseTTL: a.cfg.LeaseTTL,
	}, ingest.Deps{
		Store: c.store, Validator: c.catalog, Collections: c.collections, Directory: c.dids, Identities: lexiconRecheck{a.Identity, c.store},
		OnResync: func() { a.Backfiller.Wake() }, // a #sync queued a repository for the backfill's workers
		Registry: reg, Logger: a.log,             // the ingester names its component itself
	})
	if err != nil {
		return fmt.Errorf("ingester: %w", err)
	}
	a.conn = newConnWatch(time.Now())
	return a.scheduleBackfill(ctx, c, reg)
}

// buildWeb builds the OAuth client and the web app.
func (a *App) buildWeb(c *core, reg *prometheus.Registry, o options) error {
	if len(a.cfg.SessionKeys) == 0 && a.cfg.PublicURL != "" {
		a.log.Warn("OAuth sessions are stored unsealed: set STATUSPHERE_SESSION_KEY (openssl rand -base64 32) to encrypt their tokens at rest")
	}
	oc, err := oauth.New(oauth.Config{
		PublicURL: a.cfg.PublicURL, LocalAddr: a.ln.Addr().String(), PrivateKey: a.cfg.OAuthKey,
		OtherPrivateKeys: otherKeys(a.cfg.OAuthKeys), SessionKeys: a.cfg.SessionKeys,
		HTTPClient: o.httpClient, Directory: c.dir, UserAgent: userAgent,
		ServiceRef: serviceRef(a.cfg), Scopes: o.oauthScopes,
	}, c.store, a.log.With("component", "oauth"))
	if err != nil {
		return err
	}
	var extra map[string]http.Handler
	if a.cfg.PublicReadyz {
		extra = map[string]http.Handler{"GET /readyz": web.Ready(a.readyChecks())}
	}
	ws, err := web.New(web.Deps{
		Store: c.store, Auth: oc, Records: web.NewPDSRecords(pds.New(o.httpClient, userAgent)), Identities: a.Identity, Lexicons: c.catalog,
		LexIndex: newLexIndex(c.store, c.dir, o), Log: a.log.With("component", "web"), Secure: a.cfg.Secure(), SessionMaxAge: a.cfg.SessionMaxAge,
		Metrics: reg, Extra: extra,
		Checks:    map[string]web.Check{"database": livenessCheck(c.store)},
		Behind:    a.timelineBehind,
		PublicURL: a.cfg.PublicURL, ServiceDID: a.cfg.ServiceDID(), SignupPDS: a.cfg.SignupPDS,
		TrustedProxies: a.cfg.TrustedProxies,
	})
	if err != nil {
		return err
	}
	a.OAuth, a.Web = oc, ws
	return nil
}

// timelineBehind reports whether this process's ingester holds the lease
// and has been without its source for longer than the readiness threshold:
// the home page then says the timeline may be behind. A serve process
// without an in-process ingester (a split deployment) cannot tell.
func (a *App) timelineBehind(context.Context) bool {
	if a.Ingester == nil {
		return false
	}
	h := a.Ingester.Health()
	return h.HoldsLease && a.conn.observe(h.Connected, time.Now()) > a.cfg.Ready.MaxDisconnected
}

// serviceRef is the app's service in its DID document, or "".
func serviceRef(cfg config.Config) string {
	if did := cfg.ServiceDID(); did != "" {
		return did + "#statusphere_appview"
	}
	return ""
}

// otherKeys are the confidential client's keys after the signing one.
func otherKeys(keys []string) []string {
	if len(keys) < 2 {
		return nil
	}
	return keys[1:]
}

// URL is where the app is reachable (http://127.0.0.1:port in
// development); "" with WithoutWeb.
func (a *App) URL() string {
	if a.cfg.PublicURL != "" {
		return a.cfg.PublicURL
	}
	if a.ln == nil {
		return ""
	}
	return "http://" + a.ln.Addr().String()
}

// OpsURL is where the operations endpoints are reachable; "" when off.
func (a *App) OpsURL() string {
	if a.opsLn == nil {
		return ""
	}
	return "http://" + a.opsLn.Addr().String()
}

// Run runs the web server, the operations server and the ingester (as
// built) until ctx ends, then shuts down gracefully (the ingester flushes
// its cursor) and closes the store.
func (a *App) Run(ctx context.Context) error {
	bi := ReadBuildInfo()
	a.log.Info("statusphere starting", "version", bi.Version, "commit", bi.Commit, "go", bi.GoVersion)
	defer a.Store.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer a.startBackfill(ctx)() // stops it (resumable) before the store closes
	parts := []func(context.Context) error{a.runLexiconChecker}
	if a.Ingester != nil {
		parts = append(parts, a.runIngester)
	}
	if a.Web != nil {
		parts = append(parts, a.serveWeb)
	}
	if a.opsLn != nil {
		parts = append(parts, func(ctx context.Context) error { return a.serveHTTP(ctx, "ops", a.opsLn, a.ops, 0) })
	}
	errc := make(chan error, len(parts))
	for _, run := range parts {
		go func() { errc <- run(ctx) }()
	}
	a.log.Info("statusphere serving", "url", a.URL(), "ops_url", a.OpsURL(), "database", a.Store.Dialect(), "web", a.Web != nil, "ingest", a.Ingester != nil)
	var first error
	for range parts {
		if err := <-errc; err != nil && first == nil {
			first = err
			cancel() // one part failed: stop the others
		}
	}
	return first
}

// runIngester runs the ingester until ctx ends; only a failure while ctx
// lives is an error.
func (a *App) runIngester(ctx context.Context) error {
	go a.conn.watch(ctx, a.Ingester, time.Second)
	if err := a.Ingester.Run(ctx); err != nil && ctx.Err() == nil {
		return fmt.Errorf("ingester: %w", err)
	}
	return nil
}

// serveWeb runs the web app and its background jobs until ctx ends.
func (a *App) serveWeb(ctx context.Context) error {
	bg, stopBG := context.WithCancel(ctx)
	defer stopBG()
	go a.OAuth.PruneAuthRequests(bg, 10*time.Minute)
	go a.Identity.Run(bg, 5*time.Second)
	go a.Web.Watch(bg, 300*time.Millisecond)
	go a.pruneWebSessions(bg, time.Hour)
	return a.serveHTTP(ctx, "web", a.ln, a.Web, 60*time.Second)
}

// serveHTTP serves h on ln until ctx ends, then shuts down gracefully.
// writeTimeout 0 leaves responses unbounded (pprof profiles and traces).
func (a *App) serveHTTP(ctx context.Context, name string, ln net.Listener, h http.Handler, writeTimeout time.Duration) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	if ws, ok := h.(*web.Server); ok {
		srv.RegisterOnShutdown(ws.Close) // end open event streams, so shutdown does not wait on them
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("%s server: %w", name, err)
	case <-ctx.Done():
	}
	a.log.Info("http server shutting down", "server", name)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("%s server shutdown: %w", name, err)
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
