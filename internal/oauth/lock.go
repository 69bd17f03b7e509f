package oauth

import (
	"sync"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// sessionLock serialises the calls of one session; refs counts holders and
// waiters so the map entry goes away when nobody needs it.
type sessionLock struct {
	mu   sync.Mutex
	refs int
}

// lock takes the session's lock and returns its release.
func (c *Client) lock(did syntax.DID, sessionID string) func() {
	key := did.String() + " " + sessionID
	c.mu.Lock()
	l := c.locks[key]
	if l == nil {
		l = &sessionLock{}
		c.locks[key] = l
	}
	l.refs++
	c.mu.Unlock()

	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		c.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(c.locks, key)
		}
		c.mu.Unlock()
	}
}
