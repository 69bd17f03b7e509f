package identity

import (
	"errors"
	"net/http"
	"time"

	"github.com/bluesky-social/indigo/atproto/identity"
)

// Config says where and how identities are resolved.
type Config struct {
	// PLCURL is the PLC directory (required: the network's URLs live in
	// package config).
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
func NewDirectory(cfg Config) (identity.Directory, error) {
	base, err := newBaseDirectory(cfg)
	if err != nil {
		return nil, err
	}
	var inner identity.Directory = base
	if len(cfg.LocalHandleSuffixes) > 0 {
		inner = &localHandles{BaseDirectory: base}
	}
	return identity.NewCacheDirectory(inner, 250_000, 24*time.Hour, 2*time.Minute, 5*time.Minute), nil
}

// newBaseDirectory is the uncached directory of cfg. Handles are resolved
// through the system resolver only: indigo's authoritative-DNS mode would
// dial the nameserver that an attacker's zone names, past the SSRF guard
// that every HTTP request goes through.
func newBaseDirectory(cfg Config) (*identity.BaseDirectory, error) {
	if cfg.PLCURL == "" {
		return nil, errors.New("identity: no PLC directory URL")
	}
	base := &identity.BaseDirectory{
		PLCURL:                cfg.PLCURL,
		SkipDNSDomainSuffixes: cfg.LocalHandleSuffixes,
		TryAuthoritativeDNS:   false,
		UserAgent:             cfg.UserAgent,
	}
	if cfg.HTTPClient != nil {
		base.HTTPClient = *cfg.HTTPClient
	}
	return base, nil
}
