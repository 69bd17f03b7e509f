package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Cursor returns the stored cursor of an ingest source ("relay:<host>",
// "jetstream:<host>", …), or an error matching ErrNotFound when it has none.
func (c *conn) Cursor(ctx context.Context, source string) (int64, error) {
	var cursor int64
	err := c.queryRow(ctx, `SELECT cursor FROM ingest_cursor WHERE source = $1`, source).Scan(&cursor)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("store: cursor of %s: %w", source, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("store: cursor of %s: %w", source, err)
	}
	return cursor, nil
}

// SetCursor stores the cursor of an ingest source. Call it on the [Tx] that
// stores the rows of the events it covers.
func (c *conn) SetCursor(ctx context.Context, source string, cursor int64) error {
	_, err := c.exec(ctx, `
		INSERT INTO ingest_cursor (source, cursor, updated_at)
		VALUES ($1, $2, $3)
		ON CONFLICT (source) DO UPDATE SET
			cursor     = excluded.cursor,
			updated_at = excluded.updated_at`,
		source, cursor, c.d.timeArg(time.Now()))
	if err != nil {
		return fmt.Errorf("store: set cursor of %s: %w", source, err)
	}
	return nil
}
