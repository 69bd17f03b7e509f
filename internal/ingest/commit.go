package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/atproto/repo"
	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/ipfs/go-cid"

	"github.com/statusphere/statusphere/internal/store"
)

// change is one status write derived from an event.
type change struct {
	action  string // create, update or delete (as the event says)
	uri     syntax.ATURI
	row     store.Status // the row to upsert, unless remove
	remove  bool         // delete the row at uri
	invalid error        // the record failed validation: remove, and count it as skipped
}

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
	i.verifier.applied(did, evt.Rev)
	return nil
}

// verifiedChanges verifies evt (retrying a few times when the signing key
// cannot be fetched) and turns its ops on our collection into changes.
func (i *Ingester) verifiedChanges(ctx context.Context, evt *comatproto.SyncSubscribeRepos_Commit, ours []*comatproto.SyncSubscribeRepos_RepoOp) ([]change, error) {
	did, err := syntax.ParseDID(evt.Repo)
	if err != nil {
		return nil, fmt.Errorf("%w: repo DID: %w", errVerify, err)
	}
	if err := i.verifier.checkRev(did, evt.Rev); err != nil {
		return nil, err
	}
	var r *repo.Repo
	bo := backoff{base: i.cfg.BackoffMin, max: i.cfg.BackoffMax}
	for attempt := 0; ; attempt++ {
		r, err = i.verifier.verifyCommit(ctx, did, evt)
		if err == nil {
			break
		}
		if !errors.Is(err, errUnavailable) || attempt >= i.cfg.VerifyRetries || ctx.Err() != nil {
			return nil, err
		}
		wait := bo.next()
		i.log.Info("cannot verify a commit yet; retrying", "did", did, "error", err, "retry_in", wait.Round(time.Millisecond))
		if !sleep(ctx, wait) {
			return nil, ctx.Err()
		}
	}
	now := time.Now().UTC()
	changes := make([]change, 0, len(ours))
	for _, op := range ours {
		rkeyStr, _ := isOurs(op.Path)
		rkey, err := syntax.ParseRecordKey(rkeyStr)
		if err != nil {
			return nil, fmt.Errorf("%w: op path %q: %w", errVerify, op.Path, err)
		}
		uri := statusURI(did, rkey)
		switch op.Action {
		case "create", "update":
			if op.Cid == nil {
				return nil, fmt.Errorf("%w: %s of %s without a CID", errVerify, op.Action, uri)
			}
			b, c, err := r.GetRecordBytes(ctx, collectionNSID, rkey)
			if err != nil {
				return nil, fmt.Errorf("%w: record %s: %w", errVerify, uri, err)
			}
			if !c.Equals(cid.Cid(*op.Cid)) {
				return nil, fmt.Errorf("%w: record %s: op CID %s is not the tree's %s", errVerify, uri, cid.Cid(*op.Cid), c)
			}
			row, err := statusFromCBOR(i.validator, did, rkey, c.String(), evt.Rev, b, now)
			if err != nil {
				changes = append(changes, change{action: op.Action, uri: uri, remove: true, invalid: err})
				continue
			}
			changes = append(changes, change{action: op.Action, uri: uri, row: row})
		case "delete":
			// The ops list is not signed: a delete must be proven by the
			// signed tree no longer holding the record.
			if _, err := r.GetRecordCID(ctx, collectionNSID, rkey); !errors.Is(err, repo.ErrNotFound) {
				return nil, fmt.Errorf("%w: delete of %s not proven by the tree (%v)", errVerify, uri, err)
			}
			changes = append(changes, change{action: op.Action, uri: uri, remove: true})
		default:
			return nil, fmt.Errorf("%w: op action %q on %s", errVerify, op.Action, uri)
		}
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
func (i *Ingester) apply(ctx context.Context, pos int64, rr repoRev, changes []change, count bool) error {
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
			if c.remove {
				if err := tx.DeleteStatus(ctx, c.uri); err != nil {
					return err
				}
				continue
			}
			if err := tx.UpsertStatus(ctx, c.row); err != nil {
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
		if c.invalid != nil {
			i.m.invalidRecord()
			i.log.Warn("skipping an invalid status record", "uri", c.uri, "seq", pos, "error", c.invalid)
			continue
		}
		i.m.applyOp(c.action)
		i.log.Debug("status "+c.action, "uri", c.uri, "seq", pos)
	}
	return nil
}

// statusURI is the AT-URI of the status record rkey in did's repo.
func statusURI(did syntax.DID, rkey syntax.RecordKey) syntax.ATURI {
	return syntax.ATURI("at://" + did.String() + "/" + Collection + "/" + rkey.String())
}
