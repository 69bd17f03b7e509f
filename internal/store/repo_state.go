package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// BackfillState is a repository's state in the backfill run.
type BackfillState string

// The states of a repository in the backfill run.
const (
	// BackfillNone: not part of the run (known from the firehose only).
	BackfillNone BackfillState = ""
	// BackfillPending: discovered, not fetched yet (or to be retried).
	BackfillPending BackfillState = "pending"
	// BackfillDone: its statuses were replaced by a verified snapshot.
	BackfillDone BackfillState = "done"
	// BackfillSkipped: nothing to fetch (no statuses, or the repository is
	// gone or inactive).
	BackfillSkipped BackfillState = "skipped"
	// BackfillFailed: given up after too many failed attempts.
	BackfillFailed BackfillState = "failed"
)

// ResyncReason is the Error of a repository the ingester made pending
// after a #sync event (not a failure): the backfill's workers fetch it.
const ResyncReason = "reset by #sync: resync"

// RepoState is what the store knows of one repository.
type RepoState struct {
	DID syntax.DID
	// Rev is the newest revision whose changes the repository's status rows
	// reflect ("" when none is recorded).
	Rev        string
	Backfill   BackfillState
	Attempts   int       // failed backfill attempts in this run
	RetryAfter time.Time // a pending repository is not retried before this
	Error      string    // the last backfill failure
	UpdatedAt  time.Time
}

const repoStateColumns = `did, rev, backfill, attempts, retry_after, error, updated_at`

func scanRepoState(sc rowScanner) (RepoState, error) {
	var (
		rs       RepoState
		did, bfs string
	)
	err := sc.Scan(&did, &rs.Rev, &bfs, &rs.Attempts, timeScan{&rs.RetryAfter}, &rs.Error, timeScan{&rs.UpdatedAt})
	rs.DID, rs.Backfill = syntax.DID(did), BackfillState(bfs)
	return rs, err
}

// AdvanceRepoRev moves the recorded revision of did's repository to rev if
// rev is newer than the recorded one (or none is recorded), and reports
// whether it did. With orSame it also accepts rev equal to the recorded one.
//
// Call it first in the transaction that writes the rows of a commit (orSame
// false: a commit at or below the recorded revision is already reflected)
// or of a whole-repository snapshot (orSame true: a snapshot at the
// revision of the last commit applied is still complete where that commit
// was a diff), and write the rows only when it returns true. The check and
// the write are one statement, and on PostgreSQL the row stays locked until
// the transaction ends, so concurrent writers of one repository apply in
// revision order.
func (c *conn) AdvanceRepoRev(ctx context.Context, did syntax.DID, rev string, orSame bool) (bool, error) {
	if did == "" || rev == "" {
		return false, fmt.Errorf("store: advance repo rev of %q: DID and rev are required", did)
	}
	cond := `repo_state.rev < excluded.rev`
	if orSame {
		cond = `repo_state.rev <= excluded.rev`
	}
	res, err := c.exec(ctx, `
		INSERT INTO repo_state (did, rev, updated_at)
		VALUES ($1, $2, $3)
		ON CONFLICT (did) DO UPDATE SET
			rev        = excluded.rev,
			updated_at = excluded.updated_at
		WHERE `+cond,
		string(did), rev, c.d.timeArg(time.Now()))
	if err != nil {
		return false, fmt.Errorf("store: advance repo rev of %s to %s: %w", did, rev, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: advance repo rev of %s to %s: %w", did, rev, err)
	}
	return n == 1, nil
}

// RepoState returns what the store knows of did's repository, or an error
// matching ErrNotFound.
func (c *conn) RepoState(ctx context.Context, did syntax.DID) (RepoState, error) {
	rs, err := scanRepoState(c.queryRow(ctx, `SELECT `+repoStateColumns+` FROM repo_state WHERE did = $1`, string(did)))
	if errors.Is(err, sql.ErrNoRows) {
		return RepoState{}, fmt.Errorf("store: repo state of %s: %w", did, ErrNotFound)
	}
	if err != nil {
		return RepoState{}, fmt.Errorf("store: repo state of %s: %w", did, err)
	}
	return rs, nil
}
