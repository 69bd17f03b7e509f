package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

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
	release, ok := s.streams.acquire(s.clientAddr(r))
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
			// Events published before the close still go out.
			for len(ch) > 0 {
				writeEvent(w, <-ch)
			}
			flusher.Flush()
			return
		case <-lifetime.C:
			return
		case <-keepalive.C:
			fmt.Fprint(w, ": keepalive\n\n")
		case ev := <-ch:
			writeEvent(w, ev)
		}
		flusher.Flush()
	}
}

// writeEvent writes ev as a server-sent event.
func writeEvent(w http.ResponseWriter, ev liveEvent) {
	b, err := json.Marshal(ev.data())
	if err != nil {
		return
	}
	fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.name, b)
}
