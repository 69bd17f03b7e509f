package web

import "sync/atomic"

// pageCache holds the logged-out home page of one timeline window: the
// same for every visitor, so it is assembled once per window version.
// Views read it without a lock; a new window replaces it.
type pageCache struct {
	p atomic.Pointer[publicPage]
}

// publicPage is a page and the window it shows.
type publicPage struct {
	window *timelineWindow
	body   []byte
}

// get returns the page of the window w, if it is cached.
func (c *pageCache) get(w *timelineWindow) ([]byte, bool) {
	if p := c.p.Load(); p != nil && p.window == w {
		return p.body, true
	}
	return nil, false
}

// put caches body, the page of the window w.
func (c *pageCache) put(w *timelineWindow, body []byte) {
	c.p.Store(&publicPage{window: w, body: body})
}
