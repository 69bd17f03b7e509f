package oauth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bluesky-social/indigo/atproto/atclient"
	"github.com/bluesky-social/indigo/atproto/atcrypto"
	"github.com/bluesky-social/indigo/atproto/auth/oauth"
	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/syntax"
)

// Scopes are what statusphere asks for: the atproto base scope and write
// access to its own collections only (not transition:generic): the status
// and its sidecar note (H7; H8's permission set replaces the note's).
var Scopes = []string{"atproto", "repo:xyz.statusphere.status", "repo:org.gostatusphere.note"}

// AuthRequestTTL is how long a started login may take before it is pruned.
const AuthRequestTTL = 30 * time.Minute

// CallbackPath is where the authorization server sends the user back.
const CallbackPath = "/oauth/callback"

// Config configures the OAuth client.
type Config struct {
	// PublicURL is the app's https URL (confidential client). Empty: a
	// loopback development client whose callback is on LocalAddr.
	PublicURL string
	// LocalAddr is the listen address (host:port) used for the loopback
	// client's callback, e.g. 127.0.0.1:8080.
	LocalAddr string
	// PrivateKey is the confidential client's P-256 key (multibase).
	PrivateKey string
	// HTTPClient makes every OAuth request (metadata, PAR, token). Production
	// passes an SSRF-safe client; it must not be http.DefaultClient.
	HTTPClient *http.Client
	// Directory resolves handles and DIDs to find a user's PDS.
	Directory identity.Directory
	// UserAgent is sent with every request.
	UserAgent string
}

// Client is the app's OAuth client.
type Client struct {
	app   *oauth.ClientApp
	store Store
	log   *slog.Logger

	mu    sync.Mutex
	locks map[string]*sessionLock
}

// New builds the client. A confidential client needs PublicURL and PrivateKey.
func New(cfg Config, st Store, log *slog.Logger) (*Client, error) {
	if cfg.HTTPClient == nil || cfg.Directory == nil {
		return nil, errors.New("oauth: HTTPClient and Directory are required")
	}
	var cc oauth.ClientConfig
	if cfg.PublicURL == "" {
		host, port, ok := strings.Cut(cfg.LocalAddr, ":")
		if !ok || port == "" {
			return nil, fmt.Errorf("oauth: loopback client needs host:port, got %q", cfg.LocalAddr)
		}
		if host == "" || host == "localhost" || host == "0.0.0.0" {
			host = "127.0.0.1" // loopback redirect URIs must use the IP literal
		}
		cc = oauth.NewLocalhostConfig("http://"+host+":"+port+CallbackPath, Scopes)
	} else {
		base := strings.TrimSuffix(cfg.PublicURL, "/")
		cc = oauth.NewPublicConfig(base+"/oauth-client-metadata.json", base+CallbackPath, Scopes)
		key, err := atcrypto.ParsePrivateMultibase(cfg.PrivateKey)
		if err != nil {
			return nil, fmt.Errorf("oauth: private key: %w", err)
		}
		if err := cc.SetClientSecret(key, keyID(key)); err != nil {
			return nil, fmt.Errorf("oauth: private key: %w", err)
		}
	}
	if cfg.UserAgent != "" {
		cc.UserAgent = cfg.UserAgent
	}
	app := oauth.NewClientApp(&cc, authStore{db: st})
	app.Client = cfg.HTTPClient
	app.Resolver.Client = cfg.HTTPClient
	app.Resolver.UserAgent = cc.UserAgent
	app.Dir = cfg.Directory
	return &Client{app: app, store: st, log: log, locks: map[string]*sessionLock{}}, nil
}

// keyID names the confidential client's key by its public key.
func keyID(key atcrypto.PrivateKey) string {
	pub, err := key.PublicKey()
	if err != nil {
		return "statusphere"
	}
	mb := pub.Multibase()
	return "statusphere-" + mb[len(mb)-8:]
}

// IsConfidential reports whether this is the production (key-holding) client.
func (c *Client) IsConfidential() bool { return c.app.Config.IsConfidential() }

// Metadata is the client metadata document (served at /oauth-client-metadata.json).
func (c *Client) Metadata() oauth.ClientMetadata {
	m := c.app.Config.ClientMetadata()
	if c.IsConfidential() {
		u := strings.TrimSuffix(c.app.Config.ClientID, "/oauth-client-metadata.json") + "/oauth/jwks.json"
		m.JWKSURI = &u
		name := "statusphere"
		m.ClientName = &name
	}
	return m
}

// JWKS is the confidential client's public key set (served at /oauth/jwks.json).
func (c *Client) JWKS() oauth.JWKS { return c.app.Config.PublicJWKS() }

// StartLogin begins a login for identifier (a handle, a DID, or the URL of
// a PDS) and returns the authorization server URL to send the browser to.
func (c *Client) StartLogin(ctx context.Context, identifier string) (string, error) {
	identifier = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(identifier), "@"))
	if identifier == "" {
		return "", &LoginError{Msg: "Enter your handle (like alice.bsky.social), your DID, or your PDS's URL."}
	}
	if strings.HasPrefix(identifier, "https://") {
		u, err := url.Parse(identifier)
		if err != nil || u.Host == "" {
			return "", &LoginError{Msg: "That URL is not a valid PDS address.", Err: err}
		}
		// A PDS URL: ask it for its authorization server (it may be an entryway).
		as, err := c.app.Resolver.ResolveAuthServerURL(ctx, u.Scheme+"://"+u.Host)
		if err != nil {
			return "", &LoginError{Msg: "Could not find the sign-in server of " + u.Host + ".", Err: err}
		}
		identifier = as
	} else if _, err := syntax.ParseAtIdentifier(identifier); err != nil {
		return "", &LoginError{Msg: fmt.Sprintf("%q is not a handle, a DID, or an https:// PDS address.", identifier), Err: err}
	}
	redirect, err := c.app.StartAuthFlow(ctx, identifier)
	if err != nil {
		return "", &LoginError{Msg: "Could not start sign-in for " + identifier + ". Check the handle and try again.", Err: err}
	}
	return redirect, nil
}

// FinishLogin completes a login from the callback's query parameters and
// returns the account and the new OAuth session's ID. requestURI is the
// PAR request URI this browser started (kept in a cookie by the caller): a
// callback for a login started elsewhere is refused, so nobody can log a
// victim into the attacker's account by sending them a callback link.
func (c *Client) FinishLogin(ctx context.Context, query url.Values, requestURI string) (syntax.DID, string, error) {
	if e := query.Get("error"); e != "" {
		msg := "Sign-in was cancelled."
		if e != "access_denied" {
			msg = "Sign-in failed: " + e
			if d := query.Get("error_description"); d != "" {
				msg += " (" + d + ")"
			}
		}
		if st := query.Get("state"); st != "" {
			c.store.DeleteAuthRequest(ctx, st) //nolint:errcheck // best effort; pruned later anyway
		}
		return "", "", &LoginError{Msg: msg}
	}
	if err := c.checkBrowser(ctx, query.Get("state"), requestURI); err != nil {
		return "", "", err
	}
	sd, err := c.app.ProcessCallback(ctx, query)
	if err != nil {
		return "", "", &LoginError{Msg: "Sign-in could not be completed. Please try again.", Err: err}
	}
	return sd.AccountDID, sd.SessionID, nil
}

// checkBrowser refuses a callback whose login this browser did not start.
func (c *Client) checkBrowser(ctx context.Context, state, requestURI string) error {
	info, err := c.app.Store.GetAuthRequestInfo(ctx, state)
	if err != nil {
		return &LoginError{Msg: "Sign-in could not be completed. Please try again.", Err: err}
	}
	if requestURI == "" || subtle.ConstantTimeCompare([]byte(info.RequestURI), []byte(requestURI)) != 1 {
		return &LoginError{Msg: "This sign-in was started in another browser. Please log in again here."}
	}
	return nil
}

// RequestURI extracts the PAR request URI from the authorization URL that
// StartLogin returned, for the caller to remember in the browser.
func RequestURI(authorizeURL string) string {
	u, err := url.Parse(authorizeURL)
	if err != nil {
		return ""
	}
	return u.Query().Get("request_uri")
}

// Logout revokes the grant at the authorization server and deletes the
// session. A session that is already gone is not an error.
func (c *Client) Logout(ctx context.Context, did syntax.DID, sessionID string) error {
	unlock := c.lock(did, sessionID)
	defer unlock()
	err := c.app.Logout(ctx, did, sessionID)
	if errors.Is(err, ErrSessionNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("oauth: logout %s: %w", did, err)
	}
	return nil
}

// WithSession calls fn with an API client authenticated as the session's
// account on its PDS. Calls for one session run one at a time, each from
// the tokens last saved, so a token refresh happens once and is kept.
func (c *Client) WithSession(ctx context.Context, did syntax.DID, sessionID string, fn func(api *atclient.APIClient, host string) error) error {
	unlock := c.lock(did, sessionID)
	defer unlock()
	sess, err := c.app.ResumeSession(ctx, did, sessionID)
	if err != nil {
		if errors.Is(err, ErrSessionNotFound) {
			return ErrSessionNotFound
		}
		return fmt.Errorf("oauth: resume session of %s: %w", did, err)
	}
	sess.PersistSessionCallback = func(ctx context.Context, data *oauth.ClientSessionData) {
		if err := c.app.Store.SaveSession(ctx, *data); err != nil {
			c.log.Error("saving refreshed OAuth session", "did", data.AccountDID, "error", err)
		}
	}
	return fn(sess.APIClient(), sess.Data.HostURL)
}

// PruneAuthRequests deletes login attempts older than AuthRequestTTL, every
// interval, until ctx ends.
func (c *Client) PruneAuthRequests(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := c.store.PruneAuthRequests(ctx, time.Now().UTC().Add(-AuthRequestTTL))
		if err != nil && ctx.Err() == nil {
			c.log.Warn("pruning OAuth auth requests", "error", err)
		} else if n > 0 {
			c.log.Debug("pruned OAuth auth requests", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// LoginError is a login failure with a message fit to show the user.
type LoginError struct {
	Msg string
	Err error
}

func (e *LoginError) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *LoginError) Unwrap() error { return e.Err }
