package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// StatusEntry returns the status with this URI as a timeline entry (with
// its author's handle and its note), or an error matching ErrNotFound when
// there is none or its account is hidden.
func (c *conn) StatusEntry(ctx context.Context, uri syntax.ATURI) (TimelineEntry, error) {
	e, err := scanTimelineEntry(c.queryRow(ctx, entrySelect+` AND s.uri = $1`, string(uri)))
	if errors.Is(err, sql.ErrNoRows) {
		return TimelineEntry{}, fmt.Errorf("store: status %s: %w", uri, ErrNotFound)
	}
	if err != nil {
		return TimelineEntry{}, fmt.Errorf("store: status %s: %w", uri, err)
	}
	return e, nil
}

// LatestStatusEntry is [Store.LatestStatus] as a timeline entry: author's
// status with the newest CreatedAt, with handle and note, or an error
// matching ErrNotFound when there is none or the account is hidden.
func (c *conn) LatestStatusEntry(ctx context.Context, author syntax.DID) (TimelineEntry, error) {
	e, err := scanTimelineEntry(c.queryRow(ctx, entrySelect+`
		AND s.author_did = $1
		ORDER BY s.created_at DESC, s.uri DESC
		LIMIT 1`, string(author)))
	if errors.Is(err, sql.ErrNoRows) {
		return TimelineEntry{}, fmt.Errorf("store: latest status of %s: %w", author, ErrNotFound)
	}
	if err != nil {
		return TimelineEntry{}, fmt.Errorf("store: latest status of %s: %w", author, err)
	}
	return e, nil
}
