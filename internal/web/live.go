package web

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store"
)

// Live is the live timeline: it keeps the newest statuses in memory (the
// window the home page is rendered from, without a query per view) and
// fans new ones out to the browsers that watch the timeline (GET /events,
// server-sent events). Statuses reach it two ways: the web layer publishes
// its own optimistic writes at once, and [Server.Watch] polls the database
// for what the ingester stored, deleted or hid — in this process or another
// one — so the window and the stream are right in split deployments too.
// One indexed query per poll, whatever the number of views and watchers.
type Live struct {
	views *views
	now   func() time.Time

	window  atomic.Pointer[timelineWindow] // read by views without a lock
	loading sync.Mutex                     // one first load at a time

	mu      sync.Mutex // guards what follows, and every change of window
	subs    map[chan liveEvent]struct{}
	sent    map[string]time.Time // URI+CID → when it was published, to send each once
	newest  time.Time            // the newest IndexedAt seen by the poller
	seq     uint64               // local publishes so far
	pending []pendingStatus      // local publishes the last poll may not have seen
}

// pendingStatus is a status published locally, numbered.
type pendingStatus struct {
	seq   uint64
	entry store.TimelineEntry
}

// newLive returns an empty hub that renders with v on the clock now.
func newLive(v *views, now func() time.Time) *Live {
	return &Live{views: v, now: now, subs: map[chan liveEvent]struct{}{}, sent: map[string]time.Time{}}
}

// liveEvent is one server-sent event: a new status ("status"), or a status
// that left the timeline because it was deleted or its account hidden
// ("delete", with its URI).
type liveEvent struct {
	name   string
	status statusView // of a "status" event
	uri    string     // of a "delete" event
}

// data is the event's JSON payload.
func (ev liveEvent) data() any {
	if ev.name == "delete" {
		return struct {
			URI string `json:"uri"`
		}{ev.uri}
	}
	return ev.status
}

// subscribe registers a watcher; cancel removes it.
func (l *Live) subscribe() (<-chan liveEvent, func()) {
	ch := make(chan liveEvent, 32)
	l.mu.Lock()
	l.subs[ch] = struct{}{}
	l.mu.Unlock()
	return ch, func() {
		l.mu.Lock()
		delete(l.subs, ch)
		l.mu.Unlock()
	}
}

// current returns the window as of now, loading it from st on first use
// and rendering it again when the day changed ("today" in its lines). Once
// a minute, one view renders again the lines whose relative time changed
// ("5m"); the others meanwhile use the window as it is.
func (l *Live) current(ctx context.Context, st Store, now time.Time) (*timelineWindow, error) {
	w := l.window.Load()
	if w == nil {
		return l.load(ctx, st)
	}
	switch {
	case dayOf(now) > w.day:
		l.mu.Lock()
	case now.Unix()/60 > w.minute && l.mu.TryLock():
	default:
		return w, nil
	}
	defer l.mu.Unlock()
	if w = l.window.Load(); dayOf(now) > w.day || now.Unix()/60 > w.minute {
		nw, err := buildWindow(l.views, w, w.timelineEntries(), now)
		if err != nil {
			return nil, fmt.Errorf("render the timeline: %w", err)
		}
		l.window.Store(nw)
		w = nw
	}
	return w, nil
}

// load reads the window from st if no poll has yet.
func (l *Live) load(ctx context.Context, st Store) (*timelineWindow, error) {
	l.loading.Lock()
	defer l.loading.Unlock()
	if w := l.window.Load(); w != nil {
		return w, nil
	}
	start := l.mark()
	entries, err := st.Timeline(ctx, windowSize, time.Time{})
	if err != nil {
		return nil, fmt.Errorf("load the timeline: %w", err)
	}
	if _, err := l.apply(entries, start); err != nil {
		return nil, err
	}
	return l.window.Load(), nil
}

// mark numbers the local publishes so far, before a read of the store.
func (l *Live) mark() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seq
}

// apply makes entries, the store's newest statuses as read after mark
// returned start, the window, keeping the local publishes the read may
// have missed. It returns the authors whose statuses changed.
func (l *Live) apply(entries []store.TimelineEntry, start uint64) ([]syntax.DID, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var missed []store.TimelineEntry
	kept := l.pending[:0]
	for _, p := range l.pending {
		if p.seq > start {
			kept = append(kept, p)
			missed = append(missed, p.entry)
		}
	}
	l.pending = kept
	if len(missed) > 0 {
		entries = withEntries(entries, missed...)
	}
	old := l.window.Load()
	if old.sameEntries(entries) {
		return nil, nil
	}
	w, err := buildWindow(l.views, old, entries, l.now())
	if err != nil {
		return nil, fmt.Errorf("render the timeline: %w", err)
	}
	l.window.Store(w)
	for _, uri := range goneFrom(old, entries) {
		l.broadcast(liveEvent{name: "delete", uri: uri.String()})
	}
	return changedAuthors(old, entries), nil
}

// publish puts a status this process wrote in the window and sends it to
// every watcher, once per record version.
func (l *Live) publish(e store.TimelineEntry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	l.pending = append(l.pending, pendingStatus{seq: l.seq, entry: e})
	if len(l.pending) > windowSize { // no poll for a while: only the newest can matter
		l.pending = slices.Delete(l.pending, 0, len(l.pending)-windowSize)
	}
	var err error
	if old := l.window.Load(); old != nil {
		var w *timelineWindow
		if w, err = buildWindow(l.views, old, withEntries(old.timelineEntries(), e), l.now()); err == nil {
			l.window.Store(w)
		}
	}
	l.sendLocked(e)
	if err != nil {
		return fmt.Errorf("render the timeline: %w", err)
	}
	return nil
}

// send sends a stored status to every watcher, once per record version.
func (l *Live) send(e store.TimelineEntry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sendLocked(e)
}

// sendLocked sends e unless it was sent already.
func (l *Live) sendLocked(e store.TimelineEntry) {
	key := e.URI.String() + " " + entryVersion(e)
	if _, dup := l.sent[key]; dup {
		return
	}
	l.sent[key] = time.Now()
	l.broadcast(liveEvent{name: "status", status: entryLine(e, l.now())})
}

// broadcast sends ev to every watcher; l.mu is held. A watcher too slow to
// keep up misses it (the page is right on reload).
func (l *Live) broadcast(ev liveEvent) {
	for ch := range l.subs {
		select {
		case ch <- ev:
		default:
		}
	}
}

// fresh returns the indexes in entries (newest first) of the statuses
// newer than any seen before, oldest first, and records them as seen. The
// first poll only records: what is there at start-up is not news.
func (l *Live) fresh(entries []store.TimelineEntry, first bool) []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []int
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if !e.IndexedAt.After(l.newest) && !first {
			continue
		}
		if e.IndexedAt.After(l.newest) {
			l.newest = e.IndexedAt
		}
		if first {
			l.sent[e.URI.String()+" "+e.CID] = time.Now()
			continue
		}
		out = append(out, i)
	}
	return out
}

// forgetOld drops dedup entries older than an hour.
func (l *Live) forgetOld() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, at := range l.sent {
		if time.Since(at) > time.Hour {
			delete(l.sent, k)
		}
	}
}
