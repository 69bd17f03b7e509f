package store

import (
	"context"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// WriteAtRev is the rev-gated write of a commit or snapshot: it advances
// did's recorded revision to rev ([Store.AdvanceRepoRev]; orSame false for
// a commit, true for a whole-repository snapshot) and, only if that
// succeeded, runs write in the same transaction. It reports whether write
// ran; when it did not, the stored rows already reflect rev (a newer
// commit or snapshot got there first) and nothing is written.
func (tx *Tx) WriteAtRev(ctx context.Context, did syntax.DID, rev string, orSame bool, write func() error) (bool, error) {
	ok, err := tx.AdvanceRepoRev(ctx, did, rev, orSame)
	if err != nil || !ok {
		return false, err
	}
	if err := write(); err != nil {
		return false, err
	}
	return true, nil
}

// ReplaceStatuses is the status part of a whole-repository snapshot: rows
// become author's statuses. Every stored status of author whose URI is
// neither in rows nor in invalid is deleted (the repository no longer
// holds it) and returned; the rows at the URIs in invalid (records the
// snapshot holds but that failed validation) are deleted too; rows are
// upserted. Call it inside [Tx.WriteAtRev] with orSame true.
func (tx *Tx) ReplaceStatuses(ctx context.Context, author syntax.DID, rows []Status, invalid []syntax.ATURI) (removed []syntax.ATURI, err error) {
	keep := make(map[syntax.ATURI]bool, len(rows)+len(invalid))
	for _, r := range rows {
		keep[r.URI] = true
	}
	for _, u := range invalid {
		keep[u] = true
	}
	held, err := tx.StatusURIsByAuthor(ctx, author)
	if err != nil {
		return nil, err
	}
	for _, u := range held {
		if !keep[u] {
			removed = append(removed, u)
			if err := tx.DeleteStatus(ctx, u); err != nil {
				return nil, err
			}
		}
	}
	for _, u := range invalid {
		if err := tx.DeleteStatus(ctx, u); err != nil {
			return nil, err
		}
	}
	for _, r := range rows {
		if err := tx.UpsertStatus(ctx, r); err != nil {
			return nil, err
		}
	}
	return removed, nil
}
