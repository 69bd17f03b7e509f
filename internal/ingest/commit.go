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

// handleCommit handles a #commit: a commit touching no registered
// collection only moves the cursor; otherwise it is verified and its ops
// on registered collections applied, through their handlers, in one
// transaction with the cursor. A commit that fails verification is
// dropped, logged and counted. It returns an error only if ctx ended.
func (i *Ingester) handleCommit(ctx context.Context, seq int64, evt *comatproto.SyncSubscribeRepos_Commit) error {
	var ours []*comatproto.SyncSubscribeRepos_RepoOp
	for _, op := range evt.Ops {
		if op != nil && i.collections.WantsPath(op.Path) {
			ours = append(ours, op)
		}
	}
	if len(ours) == 0 {
		i.markHandled(seq)
		return nil
	}
	ops, err := i.verifiedOps(ctx, evt, ours)
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
	if err := i.apply(ctx, seq, repoRev{did: did, rev: evt.Rev}, ops, true); err != nil {
		return err
	}
	i.verifier.Applied(did, evt.Rev)
	return nil
}

// recordOp is one verified operation to hand to a collection handler.
type recordOp struct {
	action string // create, update or delete
	rec    collection.Record
}

// verifiedOps verifies evt (retrying a few times when the signing key
// cannot be fetched) and returns its ops on registered collections.
func (i *Ingester) verifiedOps(ctx context.Context, evt *comatproto.SyncSubscribeRepos_Commit, ours []*comatproto.SyncSubscribeRepos_RepoOp) ([]recordOp, error) {
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
	out := make([]recordOp, 0, len(ops))
	for _, op := range ops {
		rec := collection.Record{DID: did, Collection: op.Collection, RKey: op.RKey, Rev: evt.Rev, CBOR: op.CBOR, IndexedAt: now}
		if op.Action != "delete" {
			rec.CID = op.CID.String()
		}
		out = append(out, recordOp{action: op.Action, rec: rec})
	}
	return out, nil
}

// repoRev is the revision of a repository that a set of operations brings
// it to.
type repoRev struct {
	did syntax.DID
	rev string // "" when unknown: the operations apply unconditionally
	// orSame also applies the operations when rev is the revision applied
	// last: Jetstream sends one event per op of a commit.
	orSame bool
}

// apply hands ops to their collections' handlers and stores the cursor pos
// in one transaction, then counts and logs them unless they replay events
// already counted. The ops are applied only if rr.rev is newer than the
// repository's stored revision (store.Tx.WriteAtRev); otherwise the stored
// state reflects them already (a backfill or resync snapshot got there
// first, or a replay) and only the cursor moves. A handler that fails
// rolls the whole transaction back, cursor included: the event is retried.
func (i *Ingester) apply(ctx context.Context, pos int64, rr repoRev, ops []recordOp, count bool) error {
	var (
		applied bool
		results []collection.Result
	)
	err := i.writeTx(ctx, pos, func(tx *store.Tx) error {
		results = results[:0]
		write := func() error {
			for _, op := range ops {
				res, err := i.collections.Apply(ctx, tx, op.action, op.rec)
				if err != nil {
					return err
				}
				results = append(results, res)
			}
			return nil
		}
		if rr.rev == "" {
			applied = true
			return write()
		}
		var err error
		applied, err = tx.WriteAtRev(ctx, rr.did, rr.rev, rr.orSame, write)
		return err
	})
	if err != nil || !count {
		return err
	}
	if !applied {
		i.m.staleCommit()
		i.log.Debug("skipping a commit the stored state already reflects", "did", rr.did, "rev", rr.rev, "seq", pos)
		return nil
	}
	i.count(pos, results)
	return nil
}

// count counts and logs the results of stored operations.
func (i *Ingester) count(pos int64, results []collection.Result) {
	for _, r := range results {
		if r.Invalid != nil {
			i.m.invalidRecord()
			i.log.Warn("skipping an invalid record", "uri", r.URI, "seq", pos, "error", r.Invalid)
			continue
		}
		i.m.applyOp(r.Action)
		i.log.Debug("record "+r.Action, "uri", r.URI, "seq", pos)
	}
}
