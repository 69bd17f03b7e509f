package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// SetAccountStatus records an #account event: active false hides the
// account's statuses from the timeline (they stay stored), active true
// shows them again. status is the event's status string ("takendown",
// "suspended", "deleted", "deactivated", …; "" when active).
func (c *conn) SetAccountStatus(ctx context.Context, did syntax.DID, active bool, status string) error {
	if did == "" {
		return errors.New("store: set account status: DID is required")
	}
	_, err := c.exec(ctx, `
		INSERT INTO account (did, active, status, updated_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (did) DO UPDATE SET
			active     = excluded.active,
			status     = excluded.status,
			updated_at = excluded.updated_at`,
		string(did), active, status, c.d.timeArg(time.Now()))
	if err != nil {
		return fmt.Errorf("store: set account status %s: %w", did, err)
	}
	return nil
}
