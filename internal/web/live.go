package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// Live fans new statuses out to the browsers that watch the timeline
// (GET /events, server-sent events). Statuses reach it two ways: the web
// layer publishes its own optimistic writes at once, and [Live.Watch] polls
// the database for what the ingester stored — in this process or another
// one — so the timeline is live in split deployments too. One indexed query
// per poll, whatever the number of watchers.
type Live struct {
	mu      sync.Mutex
	subs    map[chan statusView]struct{}
	sent    map[string]time.Time // URI+CID → when it was published, to send each once
	newest  time.Time            // the newest IndexedAt seen by the poller
	version atomic.Uint64        // bumped by every status published
}

// Version changes whenever a new status is published.
func (l *Live) Version() uint64 { return l.version.Load() }

// NewLive returns an empty hub.
func NewLive() *Live {
	return &Live{subs: map[chan statusView]struct{}{}, sent: map[string]time.Time{}}
}

// subscribe registers a watcher; cancel removes it.
func (l *Live) subscribe() (<-chan statusView, func()) {
	ch := make(chan statusView, 32)
	l.mu.Lock()
	l.subs[ch] = struct{}{}
	l.mu.Unlock()
	return ch, func() {
		l.mu.Lock()
		delete(l.subs, ch)
		l.mu.Unlock()
	}
}

// publish sends v to every watcher, once per record version. A watcher too
// slow to keep up misses it (the page still shows it on reload).
func (l *Live) publish(v statusView, version string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := v.URI + " " + version
	if _, dup := l.sent[key]; dup {
		return
	}
	l.sent[key] = time.Now()
	l.version.Add(1)
	for ch := range l.subs {
		select {
		case ch <- v:
		default:
		}
	}
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

// Watch polls the store every interval for statuses newer than the newest
// seen, publishing them, until ctx ends.
func (s *Server) Watch(ctx context.Context, interval time.Duration) {
	l := s.Live
	t := time.NewTicker(interval)
	defer t.Stop()
	first := true
	sweep := time.Now()
	for {
		entries, err := s.Store.Timeline(ctx, 50, time.Time{})
		if err != nil && ctx.Err() == nil {
			s.Log.Warn("live timeline poll", "error", err)
		}
		now := s.now()
		// Oldest first, so watchers prepend in order.
		for i := len(entries) - 1; i >= 0; i-- {
			e := entries[i]
			if !e.IndexedAt.After(l.newest) && !first {
				continue
			}
			if e.IndexedAt.After(l.newest) {
				l.newest = e.IndexedAt
			}
			if first {
				l.publishSeen(e.URI.String() + " " + entryVersion(e))
				continue
			}
			if e.Handle == "" {
				e.Handle = s.handleNow(ctx, e.AuthorDID)
			}
			l.publish(entryLine(e, now), entryVersion(e))
		}
		first = false
		if time.Since(sweep) > 10*time.Minute {
			l.forgetOld()
			sweep = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// handleNow resolves an author the identity table does not know yet, so a
// live status shows a handle rather than a DID. It runs in the poller, never
// on a request.
func (s *Server) handleNow(ctx context.Context, did syntax.DID) string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	id, err := s.Identities.Resolve(ctx, did)
	if err != nil {
		s.Log.Info("resolving a live status's author", "did", did, "error", err)
		return ""
	}
	return id.Handle
}

// publishSeen marks a version as already shown (present at start-up).
func (l *Live) publishSeen(key string) {
	l.mu.Lock()
	l.sent[key] = time.Now()
	l.mu.Unlock()
}

// events serves GET /events: a server-sent-events stream of new statuses.
// Open streams are bounded in all and per client address (429 beyond); a
// stream ends after [Limits.StreamLifetime] and when the server closes,
// and the browser's EventSource reconnects.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	select {
	case <-s.closed:
		http.Error(w, "The server is shutting down.", http.StatusServiceUnavailable)
		return
	default:
	}
	release, ok := s.streams.acquire(clientAddr(r))
	if !ok {
		w.Header().Set("Retry-After", "30")
		http.Error(w, "Too many open event streams.", http.StatusTooManyRequests)
		return
	}
	defer release()
	// The write deadline of the server does not apply to this stream.
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{}) //nolint:errcheck // not every writer supports it
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")
	flusher.Flush()
	s.stream(r.Context(), w, flusher)
}

// stream sends statuses to one watcher until it leaves, the stream's
// lifetime is over, or the server closes.
func (s *Server) stream(ctx context.Context, w http.ResponseWriter, flusher http.Flusher) {
	ch, cancel := s.Live.subscribe()
	defer cancel()
	keepalive := time.NewTicker(25 * time.Second)
	defer keepalive.Stop()
	lifetime := time.NewTimer(s.Limits.StreamLifetime)
	defer lifetime.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.closed:
			// Statuses published before the close still go out.
			for len(ch) > 0 {
				writeStatusEvent(w, <-ch)
			}
			flusher.Flush()
			return
		case <-lifetime.C:
			return
		case <-keepalive.C:
			fmt.Fprint(w, ": keepalive\n\n")
		case v := <-ch:
			writeStatusEvent(w, v)
		}
		flusher.Flush()
	}
}

// writeStatusEvent writes v as a "status" server-sent event.
func writeStatusEvent(w http.ResponseWriter, v statusView) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	fmt.Fprintf(w, "event: status\ndata: %s\n\n", b)
}
