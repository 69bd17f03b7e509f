package web

import (
	"strconv"
	"sync/atomic"
)

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
	length []string // the Content-Length header's value
}

// get returns the page of the window w, if it is cached.
func (c *pageCache) get(w *timelineWindow) (*publicPage, bool) {
	if p := c.p.Load(); p != nil && p.window == w {
		return p, true
	}
	return nil, false
}

// put caches body, the page of the window w, and returns it.
func (c *pageCache) put(w *timelineWindow, body []byte) *publicPage {
	p := &publicPage{window: w, body: body, length: []string{strconv.Itoa(len(body))}}
	c.p.Store(p)
	return p
}
