package web

import (
	"context"
	"sync"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// profileCache remembers display names for a while, so the logged-in home
// page does not read the profile record from the PDS on every view.
type profileCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[syntax.DID]profileEntry
}

type profileEntry struct {
	name string
	at   time.Time
}

func newProfileCache(ttl time.Duration) *profileCache {
	return &profileCache{ttl: ttl, m: map[syntax.DID]profileEntry{}}
}

// displayName returns the user's profile displayName, or "friend".
func (s *Server) displayName(ctx context.Context, did syntax.DID) string {
	c := s.profiles
	c.mu.Lock()
	e, ok := c.m[did]
	c.mu.Unlock()
	if ok && time.Since(e.at) < c.ttl {
		return orFriend(e.name)
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	name, err := s.lookupDisplayName(ctx, did)
	if err != nil {
		s.Log.Info("reading profile", "did", did, "error", err)
		return orFriend(e.name)
	}
	c.mu.Lock()
	c.m[did] = profileEntry{name: name, at: time.Now()}
	c.mu.Unlock()
	return orFriend(name)
}

func (s *Server) lookupDisplayName(ctx context.Context, did syntax.DID) (string, error) {
	ident, err := s.Identities.Directory().LookupDID(ctx, did)
	if err != nil {
		return "", err
	}
	return s.Records.DisplayName(ctx, ident.PDSEndpoint(), did)
}

// forget drops a cached display name (at login, so a new one shows at once).
func (c *profileCache) forget(did syntax.DID) {
	c.mu.Lock()
	delete(c.m, did)
	c.mu.Unlock()
}

func orFriend(name string) string {
	if name == "" {
		return "friend"
	}
	return name
}
