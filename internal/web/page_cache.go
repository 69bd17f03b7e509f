package web

import (
	"sync"
	"time"
)

// publicPageTTL bounds how stale the cached logged-out home page may be:
// new statuses replace it at once; a delete or a hidden account within
// this time.
const publicPageTTL = time.Second

// pageCache holds the rendered logged-out home page, so that a crowd of
// visitors costs one query and one render per second, not one each.
type pageCache struct {
	mu      sync.RWMutex
	body    []byte
	at      time.Time
	version uint64
}

// get returns the page if it is fresh and no status is newer than it.
func (c *pageCache) get(version uint64) ([]byte, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.body == nil || c.version != version || time.Since(c.at) > publicPageTTL {
		return nil, false
	}
	return c.body, true
}

// put stores a page rendered from the timeline as of version.
func (c *pageCache) put(body []byte, version uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.body, c.at, c.version = body, time.Now(), version
}
