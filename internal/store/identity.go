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

// pendingIdentitiesQuery is the resolver's pass. It reads the
// identity_pending queue (migration 0003) through identity_pending_due, a
// range seek over the due rows: its cost follows the authors queued since
// the last pass, not the size of the status table.
const pendingIdentitiesQuery = `
	SELECT did
	FROM identity_pending
	WHERE retry_after <= $1
	ORDER BY retry_after, did
	LIMIT $2`

// PendingIdentities returns up to limit authors whose identity is due to be
// looked up at now, longest due first, then in DID order. An author is
// pending from the insert of its first status while it has no identity row
// (the database queues it in the same transaction) until
// [Store.UpsertIdentity] stores its identity.
func (c *conn) PendingIdentities(ctx context.Context, now time.Time, limit int) ([]syntax.DID, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("store: pending identities: limit %d is not positive", limit)
	}
	rows, err := c.query(ctx, pendingIdentitiesQuery, c.d.timeArg(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: pending identities: %w", err)
	}
	dids, err := collect(rows, scanString[syntax.DID])
	if err != nil {
		return nil, fmt.Errorf("store: pending identities: %w", err)
	}
	return dids, nil
}

// DeferIdentity postpones the lookup of a pending identity until until, as
// after a failed lookup. It does nothing if did is not pending.
func (c *conn) DeferIdentity(ctx context.Context, did syntax.DID, until time.Time) error {
	_, err := c.exec(ctx, `UPDATE identity_pending SET retry_after = $1 WHERE did = $2`,
		c.d.timeArg(until), string(did))
	if err != nil {
		return fmt.Errorf("store: defer identity %s: %w", did, err)
	}
	return nil
}
