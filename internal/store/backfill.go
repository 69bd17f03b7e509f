package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// BackfillRun is the state of a backfill run, kept so that an interrupted
// run resumes where it stopped. The repositories of the run are the
// repo_state rows whose Backfill is not BackfillNone.
type BackfillRun struct {
	Name       string // what is backfilled (the collection)
	Host       string // the discovery host
	Method     string // the discovery method in use ("" until one is chosen)
	Cursor     string // where discovery resumes ("" from the start)
	Discovered bool   // discovery has listed every repository
	Finished   bool   // every discovered repository is done, skipped or failed
	StartedAt  time.Time
	UpdatedAt  time.Time
}

// BackfillCounts counts the repositories of the backfill run by state.
type BackfillCounts struct {
	Pending, Done, Skipped, Failed int64
}

// Total is the number of repositories in the run.
func (c BackfillCounts) Total() int64 { return c.Pending + c.Done + c.Skipped + c.Failed }

// BackfillRun returns the run called name, or an error matching ErrNotFound.
func (c *conn) BackfillRun(ctx context.Context, name string) (BackfillRun, error) {
	var r BackfillRun
	err := c.queryRow(ctx, `
		SELECT name, host, method, cursor, discovered, finished, started_at, updated_at
		FROM backfill_run WHERE name = $1`, name).
		Scan(&r.Name, &r.Host, &r.Method, &r.Cursor, &r.Discovered, &r.Finished, timeScan{&r.StartedAt}, timeScan{&r.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return BackfillRun{}, fmt.Errorf("store: backfill run %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return BackfillRun{}, fmt.Errorf("store: backfill run %q: %w", name, err)
	}
	return r, nil
}

// SaveBackfillRun stores r (inserting or replacing the run of that name);
// UpdatedAt is set to now. Call it on the [Tx] that stores the repositories
// a discovery page found, with the cursor after that page.
func (c *conn) SaveBackfillRun(ctx context.Context, r BackfillRun) error {
	if r.Name == "" {
		return errors.New("store: save backfill run: name is required")
	}
	_, err := c.exec(ctx, `
		INSERT INTO backfill_run (name, host, method, cursor, discovered, finished, started_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (name) DO UPDATE SET
			host       = excluded.host,
			method     = excluded.method,
			cursor     = excluded.cursor,
			discovered = excluded.discovered,
			finished   = excluded.finished,
			started_at = excluded.started_at,
			updated_at = excluded.updated_at`,
		r.Name, r.Host, r.Method, r.Cursor, r.Discovered, r.Finished, c.d.timeArg(r.StartedAt), c.d.timeArg(time.Now()))
	if err != nil {
		return fmt.Errorf("store: save backfill run %q: %w", r.Name, err)
	}
	return nil
}

// ResetBackfill takes every repository out of the backfill run (state
// BackfillNone, no attempts), for a new run. Revisions are kept.
func (c *conn) ResetBackfill(ctx context.Context) error {
	_, err := c.exec(ctx, `
		UPDATE repo_state SET backfill = '', attempts = 0, retry_after = $1, error = '', updated_at = $2
		WHERE backfill <> ''`, c.d.timeArg(time.Time{}), c.d.timeArg(time.Now()))
	if err != nil {
		return fmt.Errorf("store: reset backfill: %w", err)
	}
	return nil
}

// AddBackfillRepos makes the repositories pending in the backfill run,
// except those already in it (whatever their state), and returns how many
// it added.
func (c *conn) AddBackfillRepos(ctx context.Context, dids []syntax.DID) (int, error) {
	added := 0
	now, zero := c.d.timeArg(time.Now()), c.d.timeArg(time.Time{})
	for _, did := range dids {
		res, err := c.exec(ctx, `
			INSERT INTO repo_state (did, backfill, attempts, retry_after, error, updated_at)
			VALUES ($1, 'pending', 0, $2, '', $3)
			ON CONFLICT (did) DO UPDATE SET
				backfill    = excluded.backfill,
				attempts    = 0,
				retry_after = excluded.retry_after,
				error       = '',
				updated_at  = excluded.updated_at
			WHERE repo_state.backfill = ''`, string(did), zero, now)
		if err != nil {
			return added, fmt.Errorf("store: add %s to the backfill: %w", did, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return added, fmt.Errorf("store: add %s to the backfill: %w", did, err)
		}
		added += int(n)
	}
	return added, nil
}

// PendingBackfillRepos returns at most limit pending repositories of the
// backfill run whose DID sorts after after ("" for the first page), in DID
// order, whether or not their RetryAfter has come.
func (c *conn) PendingBackfillRepos(ctx context.Context, after syntax.DID, limit int) ([]RepoState, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("store: pending backfill repos: limit %d is not positive", limit)
	}
	rows, err := c.query(ctx, `
		SELECT `+repoStateColumns+` FROM repo_state
		WHERE backfill = 'pending' AND did > $1
		ORDER BY did
		LIMIT $2`, string(after), limit)
	if err != nil {
		return nil, fmt.Errorf("store: pending backfill repos: %w", err)
	}
	out, err := collect(rows, scanRepoState)
	if err != nil {
		return nil, fmt.Errorf("store: pending backfill repos: %w", err)
	}
	return out, nil
}

// SetRepoBackfill records did's state in the backfill run: the state, the
// failed attempts so far, when a pending repository may be retried, and the
// last failure ("" for none). Call it on the [Tx] that stores a snapshot
// with BackfillDone.
func (c *conn) SetRepoBackfill(ctx context.Context, did syntax.DID, state BackfillState, attempts int, retryAfter time.Time, errMsg string) error {
	if did == "" {
		return errors.New("store: set repo backfill: DID is required")
	}
	_, err := c.exec(ctx, `
		INSERT INTO repo_state (did, backfill, attempts, retry_after, error, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (did) DO UPDATE SET
			backfill    = excluded.backfill,
			attempts    = excluded.attempts,
			retry_after = excluded.retry_after,
			error       = excluded.error,
			updated_at  = excluded.updated_at`,
		string(did), string(state), attempts, c.d.timeArg(retryAfter), errMsg, c.d.timeArg(time.Now()))
	if err != nil {
		return fmt.Errorf("store: set backfill state of %s: %w", did, err)
	}
	return nil
}

// BackfillCounts counts the repositories of the backfill run by state.
func (c *conn) BackfillCounts(ctx context.Context) (BackfillCounts, error) {
	rows, err := c.query(ctx, `SELECT backfill, count(*) FROM repo_state WHERE backfill <> '' GROUP BY backfill`)
	if err != nil {
		return BackfillCounts{}, fmt.Errorf("store: backfill counts: %w", err)
	}
	defer rows.Close()
	var out BackfillCounts
	for rows.Next() {
		var (
			state string
			n     int64
		)
		if err := rows.Scan(&state, &n); err != nil {
			return BackfillCounts{}, fmt.Errorf("store: backfill counts: %w", err)
		}
		switch BackfillState(state) {
		case BackfillPending:
			out.Pending = n
		case BackfillDone:
			out.Done = n
		case BackfillSkipped:
			out.Skipped = n
		case BackfillFailed:
			out.Failed = n
		}
	}
	if err := rows.Err(); err != nil {
		return BackfillCounts{}, fmt.Errorf("store: backfill counts: %w", err)
	}
	return out, nil
}

// RequeueFailedBackfillRepos makes the failed repositories whose retry time
// has come (RetryAfter at or before now) pending again, keeping their
// attempts, and returns how many it requeued.
func (c *conn) RequeueFailedBackfillRepos(ctx context.Context, now time.Time) (int64, error) {
	res, err := c.exec(ctx, `
		UPDATE repo_state SET backfill = 'pending', updated_at = $1
		WHERE backfill = 'failed' AND retry_after <= $2`,
		c.d.timeArg(time.Now()), c.d.timeArg(now))
	if err != nil {
		return 0, fmt.Errorf("store: requeue failed backfill repos: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: requeue failed backfill repos: %w", err)
	}
	return n, nil
}
