package identity

import (
	"net/http"
	"time"

	"github.com/bluesky-social/indigo/atproto/identity"
)

// DefaultPLCURL is the public PLC directory.
const DefaultPLCURL = "https://plc.directory"

// Config says where and how identities are resolved.
type Config struct {
	// PLCURL is the PLC directory (default [DefaultPLCURL]).
	PLCURL string
	// HTTPClient makes every HTTP request (PLC, did:web, well-known handles).
	HTTPClient *http.Client
	// LocalHandleSuffixes are handle suffixes resolved over HTTPS only, never
	// DNS (".test" on the local test network).
	LocalHandleSuffixes []string
	// UserAgent is sent with every request.
	UserAgent string
}

// NewDirectory returns a cached, bidirectionally verifying directory.
func NewDirectory(cfg Config) identity.Directory {
	base := &identity.BaseDirectory{
		PLCURL:                cfg.PLCURL,
		SkipDNSDomainSuffixes: cfg.LocalHandleSuffixes,
		TryAuthoritativeDNS:   true,
		UserAgent:             cfg.UserAgent,
	}
	if base.PLCURL == "" {
		base.PLCURL = DefaultPLCURL
	}
	if cfg.HTTPClient != nil {
		base.HTTPClient = *cfg.HTTPClient
	}
	var inner identity.Directory = base
	if len(cfg.LocalHandleSuffixes) > 0 {
		inner = &localHandles{BaseDirectory: base}
	}
	return identity.NewCacheDirectory(inner, 250_000, 24*time.Hour, 2*time.Minute, 5*time.Minute)
}
