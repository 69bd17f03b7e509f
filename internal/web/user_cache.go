package web

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store"
)

// userRecheck is how long a cached web session or latest status is used
// before the database is read again. Changes made by this process
// invalidate them at once (logout, a new status, a poll that saw the
// author's statuses change; an expired session is never used); this
// bounds how long one made by another process can go unseen (up to twice
// as long while the one view that reads it again waits for the database:
// the others go on with the cached value rather than all query at once).
const userRecheck = time.Second

// maxCachedUsers bounds each of the caches; beyond it, lookups go to the
// database until [userCache.prune] makes room.
const maxCachedUsers = 100_000

// userCache holds the web sessions, whether their grants cover notes, and
// the users' latest statuses that logged-in views read, so that a view
// costs no query. Reads take no lock.
type userCache struct {
	sessions cacheMap[[32]byte, store.WebSession] // by SHA-256 of the cookie
	notes    cacheMap[grantKey, bool]             // the grant covers notes
	statuses cacheMap[syntax.DID, string]         // latest status by author
}

// grantKey names the OAuth session behind a web session.
type grantKey struct {
	did       syntax.DID
	sessionID string
}

// cacheMap is a map of values read at a time, safe for concurrent use.
// A value read from the database is stored only if nothing was forgotten
// in the meantime (gen), so that a slow read never brings back what a
// logout or a new status replaced.
type cacheMap[K comparable, V any] struct {
	m   sync.Map // K → *cached[V]
	n   atomic.Int64
	gen atomic.Uint64 // bumped by every forget and set
}

type cached[V any] struct {
	v          V
	at         time.Time   // when it was read or set
	refreshing atomic.Bool // a caller was told to read it again
}

// get returns the value of k if it was read less than userRecheck ago.
// Past that, the first caller is told to read it again (ok false) and the
// others get the cached value while it does, up to twice userRecheck.
func (c *cacheMap[K, V]) get(k K, now time.Time) (V, bool) {
	if e, ok := c.m.Load(k); ok {
		e := e.(*cached[V])
		switch age := now.Sub(e.at); {
		case age < userRecheck: // (negative: read after this view began)
			return e.v, true
		case age < 2*userRecheck && !e.refreshing.CompareAndSwap(false, true):
			return e.v, true
		}
	}
	var zero V
	return zero, false
}

// stamp returns the generation to pass to put after a read.
func (c *cacheMap[K, V]) stamp() uint64 { return c.gen.Load() }

// put stores v, read at now after stamp returned gen, unless something
// was forgotten or set since.
func (c *cacheMap[K, V]) put(k K, v V, now time.Time, gen uint64) {
	if c.gen.Load() != gen || c.n.Load() >= maxCachedUsers {
		if e, ok := c.m.Load(k); ok { // let the next caller read it again
			e.(*cached[V]).refreshing.Store(false)
		}
		return
	}
	if _, loaded := c.m.Swap(k, &cached[V]{v: v, at: now}); !loaded {
		c.n.Add(1)
	}
	// A forget or set that ran between the check and the swap wins.
	if c.gen.Load() != gen {
		c.forget(k)
	}
}

// set stores v as the value of k, now known to be current.
func (c *cacheMap[K, V]) set(k K, v V, now time.Time) {
	c.gen.Add(1)
	if c.n.Load() >= maxCachedUsers {
		c.forget(k)
		return
	}
	if _, loaded := c.m.Swap(k, &cached[V]{v: v, at: now}); !loaded {
		c.n.Add(1)
	}
}

// forget drops k.
func (c *cacheMap[K, V]) forget(k K) {
	c.gen.Add(1)
	if _, loaded := c.m.LoadAndDelete(k); loaded {
		c.n.Add(-1)
	}
}

// prune drops the values too old to be used.
func (c *cacheMap[K, V]) prune(now time.Time) {
	c.m.Range(func(k, e any) bool {
		if now.Sub(e.(*cached[V]).at) >= 2*userRecheck {
			if c.m.CompareAndDelete(k, e) {
				c.n.Add(-1)
			}
		}
		return true
	})
}

// prune drops the cached sessions, grants and statuses too old to be used.
func (u *userCache) prune(now time.Time) {
	u.sessions.prune(now)
	u.notes.prune(now)
	u.statuses.prune(now)
}

// forgetStatus drops did's cached latest status.
func (u *userCache) forgetStatus(did syntax.DID) { u.statuses.forget(did) }
