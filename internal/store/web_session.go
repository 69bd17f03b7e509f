package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// WebSession is a server-side login session of the web app. ID is a hash
// of the cookie value, never the value itself.
type WebSession struct {
	ID             string
	DID            syntax.DID
	OAuthSessionID string
	CreatedAt      time.Time
	ExpiresAt      time.Time
}

func scanWebSession(sc rowScanner) (WebSession, error) {
	var (
		ws  WebSession
		did string
	)
	err := sc.Scan(&ws.ID, &did, &ws.OAuthSessionID, timeScan{&ws.CreatedAt}, timeScan{&ws.ExpiresAt})
	if err != nil {
		return WebSession{}, err
	}
	ws.DID = syntax.DID(did)
	return ws, nil
}

// CreateWebSession stores a new session; an existing ID is an error.
func (c *conn) CreateWebSession(ctx context.Context, ws WebSession) error {
	if ws.ID == "" || ws.DID == "" {
		return errors.New("store: create web session: ID and DID are required")
	}
	_, err := c.exec(ctx, `
		INSERT INTO web_session (id, did, oauth_session_id, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`,
		ws.ID, string(ws.DID), ws.OAuthSessionID, c.d.timeArg(ws.CreatedAt), c.d.timeArg(ws.ExpiresAt))
	if err != nil {
		return fmt.Errorf("store: create web session for %s: %w", ws.DID, err)
	}
	return nil
}

// WebSession returns the session with this ID if it has not expired at now
// (it is valid while now < ExpiresAt), or an error matching ErrNotFound.
func (c *conn) WebSession(ctx context.Context, id string, now time.Time) (WebSession, error) {
	ws, err := scanWebSession(c.queryRow(ctx, `
		SELECT id, did, oauth_session_id, created_at, expires_at
		FROM web_session
		WHERE id = $1 AND expires_at > $2`, id, c.d.timeArg(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return WebSession{}, fmt.Errorf("store: web session: %w", ErrNotFound)
	}
	if err != nil {
		return WebSession{}, fmt.Errorf("store: web session: %w", err)
	}
	return ws, nil
}

// DeleteWebSession removes the session with this ID; it is not an error if
// there is none.
func (c *conn) DeleteWebSession(ctx context.Context, id string) error {
	if _, err := c.exec(ctx, `DELETE FROM web_session WHERE id = $1`, id); err != nil {
		return fmt.Errorf("store: delete web session: %w", err)
	}
	return nil
}

// PruneWebSessions removes the sessions expired at now and returns how
// many it removed.
func (c *conn) PruneWebSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := c.exec(ctx, `DELETE FROM web_session WHERE expires_at <= $1`, c.d.timeArg(now))
	if err != nil {
		return 0, fmt.Errorf("store: prune web sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: prune web sessions: %w", err)
	}
	return n, nil
}
