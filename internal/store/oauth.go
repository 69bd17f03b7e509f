package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// The oauth package keeps indigo's session and auth-request structs here as
// opaque JSON: the store neither parses nor logs it.

// SaveOAuthSession stores the session data of (did, sessionID), overwriting
// what was there (refreshed tokens replace the old ones).
func (c *conn) SaveOAuthSession(ctx context.Context, did syntax.DID, sessionID string, data []byte) error {
	if data == nil {
		data = []byte{}
	}
	_, err := c.exec(ctx, `
		INSERT INTO oauth_session (did, session_id, data, updated_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (did, session_id) DO UPDATE SET
			data       = excluded.data,
			updated_at = excluded.updated_at`,
		string(did), sessionID, data, c.d.timeArg(time.Now()))
	if err != nil {
		return fmt.Errorf("store: save oauth session %s/%s: %w", did, sessionID, err)
	}
	return nil
}

// OAuthSession returns the session data of (did, sessionID), or an error
// matching ErrNotFound.
func (c *conn) OAuthSession(ctx context.Context, did syntax.DID, sessionID string) ([]byte, error) {
	var data []byte
	err := c.queryRow(ctx, `SELECT data FROM oauth_session WHERE did = $1 AND session_id = $2`,
		string(did), sessionID).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: oauth session %s/%s: %w", did, sessionID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: oauth session %s/%s: %w", did, sessionID, err)
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

// DeleteOAuthSession removes the session of (did, sessionID); it is not an
// error if there is none.
func (c *conn) DeleteOAuthSession(ctx context.Context, did syntax.DID, sessionID string) error {
	_, err := c.exec(ctx, `DELETE FROM oauth_session WHERE did = $1 AND session_id = $2`, string(did), sessionID)
	if err != nil {
		return fmt.Errorf("store: delete oauth session %s/%s: %w", did, sessionID, err)
	}
	return nil
}

// SaveAuthRequest stores the data of a pending authorization request under
// its state parameter (a second save of the same state replaces it).
func (c *conn) SaveAuthRequest(ctx context.Context, state string, data []byte, createdAt time.Time) error {
	if data == nil {
		data = []byte{}
	}
	_, err := c.exec(ctx, `
		INSERT INTO oauth_auth_request (state, data, created_at)
		VALUES ($1, $2, $3)
		ON CONFLICT (state) DO UPDATE SET
			data       = excluded.data,
			created_at = excluded.created_at`,
		state, data, c.d.timeArg(createdAt))
	if err != nil {
		return fmt.Errorf("store: save auth request: %w", err)
	}
	return nil
}

// AuthRequest returns the data stored under state, or an error matching
// ErrNotFound.
func (c *conn) AuthRequest(ctx context.Context, state string) ([]byte, error) {
	var data []byte
	err := c.queryRow(ctx, `SELECT data FROM oauth_auth_request WHERE state = $1`, state).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: auth request: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: auth request: %w", err)
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

// DeleteAuthRequest removes the request stored under state; it is not an
// error if there is none.
func (c *conn) DeleteAuthRequest(ctx context.Context, state string) error {
	if _, err := c.exec(ctx, `DELETE FROM oauth_auth_request WHERE state = $1`, state); err != nil {
		return fmt.Errorf("store: delete auth request: %w", err)
	}
	return nil
}

// PruneAuthRequests removes the requests created before olderThan and
// returns how many it removed.
func (c *conn) PruneAuthRequests(ctx context.Context, olderThan time.Time) (int64, error) {
	res, err := c.exec(ctx, `DELETE FROM oauth_auth_request WHERE created_at < $1`, c.d.timeArg(olderThan))
	if err != nil {
		return 0, fmt.Errorf("store: prune auth requests: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: prune auth requests: %w", err)
	}
	return n, nil
}
