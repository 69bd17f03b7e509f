package web

import (
	"context"
	"sync"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// profileCache remembers display names, and the cards that greet the user
// by it, so the logged-in home page neither reads the profile record from
// the PDS nor renders the card on every view. Reads take no lock.
type profileCache struct {
	ttl        time.Duration
	m          sync.Map // syntax.DID → *profileEntry
	refreshing sync.Map // syntax.DID → struct{}: a background refresh runs
}

type profileEntry struct {
	name  string       // the profile's displayName ("" when it has none)
	cards profileCards // the cards greeting orFriend(name)
	at    time.Time    // when it was read
}

// cardFor returns the card for a session whose grant covers notes or not.
func (e *profileEntry) cardFor(notes bool) []byte {
	if notes {
		return e.cards.notes
	}
	return e.cards.noNotes
}

func newProfileCache(ttl time.Duration) *profileCache {
	return &profileCache{ttl: ttl}
}

// profile returns the user's cached profile: their displayName and the
// cards that greet them by it (or as "friend"). A name older than the
// cache's TTL is still used while a refresh runs in the background, so that
// only a user's first view waits for their PDS.
func (s *Server) profile(ctx context.Context, did syntax.DID, now time.Time) *profileEntry {
	c := s.profiles
	if v, ok := c.m.Load(did); ok {
		e := v.(*profileEntry)
		if now.Sub(e.at) >= c.ttl {
			s.refreshProfile(context.WithoutCancel(ctx), did)
		}
		return e
	}
	e, err := s.readProfile(ctx, did)
	if err != nil {
		// Greet them as "friend" and keep that, so that an unreachable PDS
		// slows this view only: the next read is a background refresh,
		// profileRetry from now.
		s.Log.Info("reading profile", "did", did, "error", err)
		e = &profileEntry{cards: s.views.home.friendCard, at: now.Add(profileRetry - c.ttl)}
		c.m.LoadOrStore(did, e)
	}
	return e
}

// profileRetry is how soon a profile that could not be read is tried
// again (in the background).
const profileRetry = time.Minute

// refreshProfile reads did's profile again in the background, once at a time.
func (s *Server) refreshProfile(ctx context.Context, did syntax.DID) {
	if _, running := s.profiles.refreshing.LoadOrStore(did, struct{}{}); running {
		return
	}
	go func() {
		defer s.profiles.refreshing.Delete(did)
		if _, err := s.readProfile(ctx, did); err != nil {
			// Keep the name for another TTL rather than retry on every view.
			s.Log.Info("refreshing profile", "did", did, "error", err)
			if v, ok := s.profiles.m.Load(did); ok {
				old := v.(*profileEntry)
				s.profiles.m.CompareAndSwap(did, old, &profileEntry{name: old.name, cards: old.cards, at: s.now()})
			}
		}
	}()
}

// readProfile reads did's display name from their PDS and caches it.
func (s *Server) readProfile(ctx context.Context, did syntax.DID) (*profileEntry, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	name, err := s.lookupDisplayName(ctx, did)
	if err != nil {
		return nil, err
	}
	return s.profiles.put(s.views, did, name, s.now())
}

// put caches did's display name, read at, with its card.
func (c *profileCache) put(v *views, did syntax.DID, name string, at time.Time) (*profileEntry, error) {
	cards, err := v.userCards(orFriend(name))
	if err != nil {
		return nil, err
	}
	e := &profileEntry{name: name, cards: cards, at: at}
	c.m.Store(did, e)
	return e, nil
}

func (s *Server) lookupDisplayName(ctx context.Context, did syntax.DID) (string, error) {
	ident, err := s.Identities.Directory().LookupDID(ctx, did)
	if err != nil {
		return "", err
	}
	return s.Records.DisplayName(ctx, ident.PDSEndpoint(), did)
}

// forget drops a cached display name (at login, so a new one shows at once).
func (c *profileCache) forget(did syntax.DID) { c.m.Delete(did) }

// prune drops the names read more than an hour ago.
func (c *profileCache) prune(now time.Time) {
	c.m.Range(func(k, v any) bool {
		if now.Sub(v.(*profileEntry).at) > time.Hour {
			c.m.CompareAndDelete(k, v)
		}
		return true
	})
}

func orFriend(name string) string {
	if name == "" {
		return "friend"
	}
	return name
}
