package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"sync"
	"time"

	"github.com/bluesky-social/indigo/atproto/atclient"
	"github.com/bluesky-social/indigo/atproto/auth/oauth"
	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/statusphere/statusphere/internal/lexicon"
	ouroauth "github.com/statusphere/statusphere/internal/oauth"
	"github.com/statusphere/statusphere/internal/store"
)

// Store is the part of the database the web layer uses.
type Store interface {
	Timeline(ctx context.Context, limit int, before time.Time) ([]store.TimelineEntry, error)
	LatestStatus(ctx context.Context, author syntax.DID) (store.Status, error)
	UpsertStatus(ctx context.Context, st store.Status) error
	// The note and the XRPC views (xrpc*.go).
	UpsertNote(ctx context.Context, n store.Note) error
	TimelineAfter(ctx context.Context, limit int, after store.TimelineKey) ([]store.TimelineEntry, error)
	StatusEntry(ctx context.Context, uri syntax.ATURI) (store.TimelineEntry, error)
	LatestStatusEntry(ctx context.Context, author syntax.DID) (store.TimelineEntry, error)
	Identity(ctx context.Context, did syntax.DID) (store.Identity, error)
	CreateWebSession(ctx context.Context, ws store.WebSession) error
	WebSession(ctx context.Context, id string, now time.Time) (store.WebSession, error)
	DeleteWebSession(ctx context.Context, id string) error
}

// Auth is the OAuth client.
type Auth interface {
	StartLogin(ctx context.Context, identifier string) (string, error)
	// StartSignup starts creating an account on the PDS pds (OAuth
	// prompt=create); it answers as StartLogin does.
	StartSignup(ctx context.Context, pds string) (string, error)
	FinishLogin(ctx context.Context, query url.Values, requestURI string) (syntax.DID, string, error)
	Logout(ctx context.Context, did syntax.DID, sessionID string) error
	WithSession(ctx context.Context, did syntax.DID, sessionID string, fn func(api *atclient.APIClient, host string) error) error
	// IsConfidential, Metadata and JWKS describe the client for
	// /oauth-client-metadata.json and /oauth/jwks.json.
	IsConfidential() bool
	Metadata() oauth.ClientMetadata
	JWKS() oauth.JWKS
	// Granted is what the authorization server granted the session.
	Granted(ctx context.Context, did syntax.DID, sessionID string) (ouroauth.Grant, error)
}

// Identities refreshes and looks up identities.
type Identities interface {
	Refresh(ctx context.Context, did syntax.DID) (store.Identity, error)
	Resolve(ctx context.Context, did syntax.DID) (store.Identity, error)
	Directory() identity.Directory
}

// Lexicons validates records against the app's lexicons and documents them.
type Lexicons interface {
	ValidateRecord(nsid syntax.NSID, rec map[string]any) error
	// ValidateParams parses and checks an XRPC call's query parameters.
	ValidateParams(nsid syntax.NSID, q url.Values) (map[string]any, error)
	Docs() []lexicon.Doc
}

// Deps is everything the web layer needs.
type Deps struct {
	Store      Store
	Auth       Auth
	Records    Records
	Identities Identities
	Lexicons   Lexicons
	// LexIndex is the lexicon aggregator (nil: /lexicons documents only
	// the app's schemas, and its XRPC methods are not served).
	LexIndex LexIndex
	Log      *slog.Logger
	// Secure marks cookies Secure and sends Strict-Transport-Security (the
	// app is served over https).
	Secure bool
	// SessionMaxAge is how long a login lasts.
	SessionMaxAge time.Duration
	// Extra routes mounted on the same mux (e.g. /metrics), by pattern.
	Extra map[string]http.Handler
	// Checks are run by /healthz (liveness of the web tier), by name.
	Checks map[string]Check
	// Behind reports whether the timeline may be behind (the ingester has
	// lost its source); the home page then says so. Nil: never.
	Behind func(context.Context) bool
	// TrustedProxies are the reverse proxies whose X-Forwarded-For header
	// names the client (see [Server.clientAddr]); none: the connection's
	// address is the client's.
	TrustedProxies []netip.Prefix
	// SignupPDS is the PDS the "Create an account" form offers (a host
	// name or https URL; empty: bsky.social).
	SignupPDS string
	// Metrics registers the HTTP metrics (nil: not collected).
	Metrics prometheus.Registerer
	// Limits bound login starts and open event streams (zero fields:
	// [DefaultLimits]).
	Limits Limits
	// PublicURL is the app's https URL; with it the app serves its did:web
	// document at /.well-known/did.json.
	PublicURL string
	// ServiceDID is the app's service DID (did:web of PublicURL): the
	// audience that service-auth tokens must name. Empty: XRPC methods that
	// need service auth refuse every token.
	ServiceDID string
}

// Server serves the app.
type Server struct {
	Deps
	// Live is the timeline the home page shows and GET /events streams;
	// run [Server.Watch] to keep it in step with the store.
	Live      *Live
	views     *views
	metrics   *httpMetrics
	handler   http.Handler
	profiles  *profileCache
	users     userCache
	public    pageCache
	tids      *syntax.TIDClock
	logins    *rateLimit    // login starts per window
	loginGate *gate         // login starts running at once
	streams   *gate         // open event streams
	closed    chan struct{} // closed by [Server.Close]
	close     sync.Once
	now       func() time.Time
}

// New parses the templates and builds the routes; a bad template fails here.
func New(d Deps) (*Server, error) {
	if d.Store == nil || d.Auth == nil || d.Records == nil || d.Identities == nil || d.Lexicons == nil || d.Log == nil {
		return nil, errors.New("web: missing dependency")
	}
	if d.SignupPDS == "" {
		d.SignupPDS = "bsky.social"
	}
	if d.SessionMaxAge <= 0 {
		d.SessionMaxAge = 30 * 24 * time.Hour
	}
	v, err := parseViews(d.SignupPDS)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	d.Limits = d.Limits.withDefaults()
	s := &Server{
		Deps: d, views: v, metrics: newHTTPMetrics(d.Metrics), profiles: newProfileCache(5 * time.Minute),
		tids:      syntax.NewTIDClock(uint(time.Now().UnixNano() % 1024)),
		loginGate: newGate(d.Limits.LoginsInFlight, d.Limits.LoginsInFlightPerAddr),
		streams:   newGate(d.Limits.Streams, d.Limits.StreamsPerAddr),
		closed:    make(chan struct{}),
		now:       time.Now,
	}
	s.Live = newLive(v, func() time.Time { return s.now() })
	s.logins = newRateLimit(d.Limits.LoginStarts, d.Limits.LoginStartsPerAddr, d.Limits.LoginWindow, func() time.Time { return s.now() })
	s.handler = s.routes()
	return s, nil
}

// Close ends every open event stream and refuses new ones, so that
// [http.Server.Shutdown] does not wait for them. Call it when the HTTP
// server shuts down (e.g. with [http.Server.RegisterOnShutdown]); the other
// routes keep working.
func (s *Server) Close() { s.close.Do(func() { close(s.closed) }) }

// ServeHTTP implements [http.Handler].
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }
