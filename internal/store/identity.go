package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// Identity is a cached DID → handle binding, verified both ways by the
// caller before it is stored.
type Identity struct {
	DID        syntax.DID
	Handle     string
	VerifiedAt time.Time
}

func scanIdentity(sc rowScanner) (Identity, error) {
	var (
		id  Identity
		did string
	)
	if err := sc.Scan(&did, &id.Handle, timeScan{&id.VerifiedAt}); err != nil {
		return Identity{}, err
	}
	id.DID = syntax.DID(did)
	return id, nil
}

// UpsertIdentity stores id, replacing the DID's previous handle.
func (c *conn) UpsertIdentity(ctx context.Context, id Identity) error {
	if id.DID == "" {
		return errors.New("store: upsert identity: DID is required")
	}
	_, err := c.exec(ctx, `
		INSERT INTO identity (did, handle, verified_at)
		VALUES ($1, $2, $3)
		ON CONFLICT (did) DO UPDATE SET
			handle      = excluded.handle,
			verified_at = excluded.verified_at`,
		string(id.DID), id.Handle, c.d.timeArg(id.VerifiedAt))
	if err != nil {
		return fmt.Errorf("store: upsert identity %s: %w", id.DID, err)
	}
	return nil
}

// Identity returns the cached identity of did, or an error matching
// ErrNotFound.
func (c *conn) Identity(ctx context.Context, did syntax.DID) (Identity, error) {
	id, err := scanIdentity(c.queryRow(ctx, `SELECT did, handle, verified_at FROM identity WHERE did = $1`, string(did)))
	if errors.Is(err, sql.ErrNoRows) {
		return Identity{}, fmt.Errorf("store: identity %s: %w", did, ErrNotFound)
	}
	if err != nil {
		return Identity{}, fmt.Errorf("store: identity %s: %w", did, err)
	}
	return id, nil
}

// DIDsWithoutIdentity returns up to limit distinct authors of statuses
// indexed since then that have no identity row, in DID order, for a
// background resolver. Bounding by indexed_at keeps it on the timeline
// index, so its cost follows recent writes, not the table's size.
func (c *conn) DIDsWithoutIdentity(ctx context.Context, since time.Time, limit int) ([]syntax.DID, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("store: DIDs without identity: limit %d is not positive", limit)
	}
	rows, err := c.query(ctx, `
		SELECT DISTINCT s.author_did
		FROM status s
		WHERE s.indexed_at >= $1
		  AND NOT EXISTS (SELECT 1 FROM identity i WHERE i.did = s.author_did)
		ORDER BY s.author_did
		LIMIT $2`, c.d.timeArg(since), limit)
	if err != nil {
		return nil, fmt.Errorf("store: DIDs without identity: %w", err)
	}
	dids, err := collect(rows, scanString[syntax.DID])
	if err != nil {
		return nil, fmt.Errorf("store: DIDs without identity: %w", err)
	}
	return dids, nil
}
