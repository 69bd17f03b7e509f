package web

import (
	"context"
	"fmt"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// Watch keeps the live timeline in step with the store until ctx ends: every
// interval it reads the newest statuses, makes them the window the home
// page shows (so a status stored, deleted or hidden by an ingester in this
// process or another shows at the next poll), and sends the new ones to the
// watchers of GET /events.
func (s *Server) Watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	first := true
	sweep := time.Now()
	for {
		if err := s.poll(ctx, first); err != nil && ctx.Err() == nil {
			s.Log.Warn("live timeline poll", "error", err)
		} else {
			first = false
		}
		if time.Since(sweep) > time.Minute {
			s.Live.forgetOld()
			s.users.prune(time.Now())
			s.profiles.prune(time.Now())
			sweep = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// poll reads the newest statuses once, updates the window, forgets the
// cached latest status of every author whose statuses changed, and sends
// the statuses newer than any seen before to the watchers.
func (s *Server) poll(ctx context.Context, first bool) error {
	l := s.Live
	start := l.mark()
	entries, err := s.Store.Timeline(ctx, windowSize, time.Time{})
	if err != nil {
		return fmt.Errorf("read the timeline: %w", err)
	}
	fresh := l.fresh(entries, first)
	for _, i := range fresh {
		if entries[i].Handle == "" {
			entries[i].Handle = s.handleNow(ctx, entries[i].AuthorDID)
		}
	}
	authors, err := l.apply(entries, start)
	if err != nil {
		return err
	}
	for _, did := range authors {
		s.users.forgetStatus(did)
	}
	for _, i := range fresh {
		l.send(entries[i])
	}
	return nil
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
