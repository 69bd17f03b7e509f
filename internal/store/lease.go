package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AcquireLease tries to make holder the holder of the lease name until
// now+ttl. It succeeds (true) when the lease is free, has expired (its
// expiry is at or before now), or is already holder's, in which case it is
// renewed; it returns false while another holder's lease is live. The
// check and the write are one statement, so two contenders cannot both win.
func (c *conn) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration, now time.Time) (bool, error) {
	if name == "" || holder == "" || ttl <= 0 {
		return false, fmt.Errorf("store: acquire lease %q: name, holder and a positive ttl are required", name)
	}
	res, err := c.exec(ctx, `
		INSERT INTO lease (name, holder, expires_at)
		VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET
			holder     = excluded.holder,
			expires_at = excluded.expires_at
		WHERE lease.holder = excluded.holder OR lease.expires_at <= $4`,
		name, holder, c.d.timeArg(now.Add(ttl)), c.d.timeArg(now))
	if err != nil {
		return false, fmt.Errorf("store: acquire lease %q for %q: %w", name, holder, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: acquire lease %q for %q: %w", name, holder, err)
	}
	return n == 1, nil
}

// ReleaseLease gives up holder's lease name; it does nothing when holder
// does not hold it.
func (c *conn) ReleaseLease(ctx context.Context, name, holder string) error {
	if _, err := c.exec(ctx, `DELETE FROM lease WHERE name = $1 AND holder = $2`, name, holder); err != nil {
		return fmt.Errorf("store: release lease %q for %q: %w", name, holder, err)
	}
	return nil
}

// Lease returns the holder of lease name and when its hold expires, or an
// error matching ErrNotFound when nobody holds it.
func (c *conn) Lease(ctx context.Context, name string) (holder string, expiresAt time.Time, err error) {
	err = c.queryRow(ctx, `SELECT holder, expires_at FROM lease WHERE name = $1`, name).Scan(&holder, timeScan{&expiresAt})
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, fmt.Errorf("store: lease %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("store: lease %q: %w", name, err)
	}
	return holder, expiresAt, nil
}

// TakeOverLease makes holder the holder of lease name until now+ttl if
// from still holds it, live or not (its process is known to be gone), and
// reports whether it did.
func (c *conn) TakeOverLease(ctx context.Context, name, from, holder string, ttl time.Duration, now time.Time) (bool, error) {
	if name == "" || from == "" || holder == "" || ttl <= 0 {
		return false, fmt.Errorf("store: take over lease %q: name, holders and a positive ttl are required", name)
	}
	res, err := c.exec(ctx, `UPDATE lease SET holder = $1, expires_at = $2 WHERE name = $3 AND holder = $4`,
		holder, c.d.timeArg(now.Add(ttl)), name, from)
	if err != nil {
		return false, fmt.Errorf("store: take over lease %q from %q: %w", name, from, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: take over lease %q from %q: %w", name, from, err)
	}
	return n == 1, nil
}
