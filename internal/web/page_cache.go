package web

import (
	"strconv"
	"sync/atomic"
)

// pageCache holds the logged-out home page of one timeline window and
// "behind" state: the same for every visitor, so it is assembled once per
// window version (and again when the ingester's connection changes).
// Views read it without a lock; a new window or state replaces it.
type pageCache struct {
	p atomic.Pointer[publicPage]
}

// publicPage is a page and the window and state it shows.
type publicPage struct {
	window *timelineWindow
	behind bool // the page says the timeline may be behind
	body   []byte
	length []string // the Content-Length header's value
}

// get returns the page of the window w in the state behind, if cached.
func (c *pageCache) get(w *timelineWindow, behind bool) (*publicPage, bool) {
	if p := c.p.Load(); p != nil && p.window == w && p.behind == behind {
		return p, true
	}
	return nil, false
}

// put caches body, the page of the window w in the state behind, and
// returns it.
func (c *pageCache) put(w *timelineWindow, behind bool, body []byte) *publicPage {
	p := &publicPage{window: w, behind: behind, body: body, length: []string{strconv.Itoa(len(body))}}
	c.p.Store(p)
	return p
}
