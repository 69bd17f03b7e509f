package ingest

import (
	"context"
	"fmt"
	"time"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/collection"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/verify"
)

// handleCommit handles a #commit: a commit touching nothing of ours only
// moves the cursor; otherwise it is verified and its status ops applied in
// one transaction with the cursor. A commit that fails verification is
// dropped, logged and counted. It returns an error only if ctx ended.
func (i *Ingester) handleCommit(ctx context.Context, seq int64, evt *comatproto.SyncSubscribeRepos_Commit) error {
	var ours []*comatproto.SyncSubscribeRepos_RepoOp
	for _, op := range evt.Ops {
		if op == nil {
			continue
		}
		if _, ok := isOurs(op.Path); ok {
			ours = append(ours, op)
		}
	}
	if len(ours) == 0 {
		i.markHandled(seq)
		return nil
	}
	changes, err := i.verifiedChanges(ctx, evt, ours)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		i.m.verificationFailed()
		i.log.Warn("dropping a commit that failed verification", "did", evt.Repo, "seq", seq, "rev", evt.Rev, "error", err)
		i.markHandled(seq)
		return nil
	}
	did := syntax.DID(evt.Repo)
	if err := i.apply(ctx, seq, repoRev{did: did, rev: evt.Rev}, changes, true); err != nil {
		return err
	}
	i.verifier.Applied(did, evt.Rev)
	return nil
}

// verifiedChanges verifies evt (retrying a few times when the signing key
// cannot be fetched) and turns its ops on our collection into changes.
func (i *Ingester) verifiedChanges(ctx context.Context, evt *comatproto.SyncSubscribeRepos_Commit, ours []*comatproto.SyncSubscribeRepos_RepoOp) ([]collection.Change, error) {
	did, err := syntax.ParseDID(evt.Repo)
	if err != nil {
		return nil, fmt.Errorf("%w: repo DID: %w", verify.ErrFailed, err)
	}
	if err := i.verifier.CheckRev(did, evt.Rev); err != nil {
		return nil, err
	}
	var ops []verify.Op
	err = i.retryUnavailable(ctx, did, func() error {
		ops, err = i.verifier.Commit(ctx, did, evt, ours)
		return err
	})
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	changes := make([]collection.Change, 0, len(ops))
	for _, op := range ops {
		uri := collection.StatusURI(did, op.RKey)
		if op.Action == "delete" {
			changes = append(changes, collection.Change{Action: op.Action, URI: uri, Remove: true})
			continue
		}
		row, err := collection.StatusFromCBOR(i.validator, did, op.RKey, op.CID.String(), evt.Rev, op.CBOR, now)
		if err != nil {
			changes = append(changes, collection.Change{Action: op.Action, URI: uri, Remove: true, Invalid: err})
			continue
		}
		changes = append(changes, collection.Change{Action: op.Action, URI: uri, Row: row})
	}
	return changes, nil
}

// repoRev is the revision of a repository that a set of changes brings it
// to.
type repoRev struct {
	did syntax.DID
	rev string // "" when unknown: the changes apply unconditionally
	// orSame also applies the changes when rev is the revision applied
	// last: Jetstream sends one event per op of a commit.
	orSame bool
}

// apply stores changes and the cursor pos in one transaction, then counts
// and logs them unless they replay events already counted. The changes are
// written only if rr.rev is newer than the repository's stored revision
// (which moves to it in the same transaction); otherwise the stored state
// reflects them already (a backfill or resync snapshot got there first, or
// a replay) and only the cursor moves. An invalid record removes any row at
// its URI (an older version, or an optimistic write): the row must not show
// what the repository no longer holds.
func (i *Ingester) apply(ctx context.Context, pos int64, rr repoRev, changes []collection.Change, count bool) error {
	applied := false
	err := i.writeTx(ctx, pos, func(tx *store.Tx) error {
		applied = false
		if rr.rev != "" {
			ok, err := tx.AdvanceRepoRev(ctx, rr.did, rr.rev, rr.orSame)
			if err != nil || !ok {
				return err
			}
		}
		for _, c := range changes {
			if c.Remove {
				if err := tx.DeleteStatus(ctx, c.URI); err != nil {
					return err
				}
				continue
			}
			if err := tx.UpsertStatus(ctx, c.Row); err != nil {
				return err
			}
		}
		applied = true
		return nil
	})
	if err != nil || !count {
		return err
	}
	if !applied {
		i.m.staleCommit()
		i.log.Debug("skipping a commit the stored state already reflects", "did", rr.did, "rev", rr.rev, "seq", pos)
		return nil
	}
	for _, c := range changes {
		if c.Invalid != nil {
			i.m.invalidRecord()
			i.log.Warn("skipping an invalid status record", "uri", c.URI, "seq", pos, "error", c.Invalid)
			continue
		}
		i.m.applyOp(c.Action)
		i.log.Debug("status "+c.Action, "uri", c.URI, "seq", pos)
	}
	return nil
}
