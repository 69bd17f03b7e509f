package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/atproto/repo"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/collection"
	"github.com/statusphere/statusphere/internal/lease"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/verify"
)

// handleSync handles a #sync event: the repository's state was reset (the
// commit it carries is the new head, without the ops that led there). The
// event's commit is verified; then, if the repository holds or held
// statuses, it is fetched whole (com.atproto.sync.getRepo from the
// account's PDS), verified, and its statuses replace ours unless a newer
// state of the repository is applied already. A #sync that
// fails verification is dropped and counted; a fetch that keeps failing is
// logged and counted, and the stream goes on.
func (i *Ingester) handleSync(ctx context.Context, seq int64, evt *comatproto.SyncSubscribeRepos_Sync) error {
	did, err := syntax.ParseDID(evt.Did)
	if err != nil {
		i.m.verificationFailed()
		i.log.Warn("dropping a #sync event with a bad DID", "did", evt.Did, "seq", seq, "error", err)
		i.markHandled(seq)
		return nil
	}
	var commit *repo.Commit
	err = i.retryUnavailable(ctx, did, func() error {
		commit, err = i.verifier.Sync(ctx, did, evt)
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		i.m.verificationFailed()
		i.log.Warn("dropping a #sync event that failed verification", "did", did, "seq", seq, "error", err)
		i.markHandled(seq)
		return nil
	}
	var snap *collection.Snapshot
	err = i.retryUnavailable(ctx, did, func() error {
		snap, err = i.resyncSnapshot(ctx, did, commit)
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		i.m.resync(false)
		i.log.Error("could not resync a repository after #sync; its statuses may be stale", "did", did, "seq", seq, "error", err)
		i.markHandled(seq)
		return nil
	}
	if snap == nil {
		i.markHandled(seq) // nothing of ours, before or after
		return nil
	}
	applied, results, err := i.applyResync(ctx, seq, snap)
	if err != nil {
		return err
	}
	// Commits up to the #sync's rev are history now. Those after it that
	// the fetched state holds are refused by the stored repository rev
	// (counted as stale, not as failures).
	i.verifier.Applied(did, commit.Rev)
	i.m.resync(true)
	valid, invalid := snap.Counts(results)
	if !applied {
		i.log.Info("resync fetched an older state than the one applied already; kept", "did", did, "seq", seq, "rev", snap.Rev)
		return nil
	}
	i.log.Info("resynced a repository after #sync", "did", did, "seq", seq, "rev", snap.Rev, "records", valid, "invalid", invalid)
	return nil
}

// retryUnavailable runs fn, retrying with backoff while it fails with
// verify.ErrUnavailable, at most VerifyRetries times.
func (i *Ingester) retryUnavailable(ctx context.Context, did syntax.DID, fn func() error) error {
	return lease.Retry(ctx, lease.Backoff{Base: i.cfg.BackoffMin, Max: i.cfg.BackoffMax}, i.cfg.VerifyRetries,
		func(err error) bool { return errors.Is(err, verify.ErrUnavailable) },
		func(err error, wait time.Duration) {
			i.log.Info("retrying", "did", did, "error", err, "retry_in", wait.Round(time.Millisecond))
		}, fn)
}

// resyncSnapshot fetches did's repository if it may hold statuses or we
// hold some of its, and verifies it against the signed #sync commit. It
// returns nil when neither side has any status.
func (i *Ingester) resyncSnapshot(ctx context.Context, did syntax.DID, synced *repo.Commit) (*collection.Snapshot, error) {
	pds, err := i.fetch.PDS(ctx, did)
	if err != nil {
		return nil, err
	}
	held, err := collection.HoldsStatuses(ctx, i.store, did)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", verify.ErrUnavailable, err)
	}
	if !held {
		// A cheap, unverified hint: only what is fetched and verified below
		// is ever stored, so a lying answer can only make us skip work.
		if has, err := i.fetch.HasRecords(ctx, pds, did); err == nil && !has {
			return nil, nil
		}
	}
	snap, err := i.fetch.Fetch(ctx, pds, did)
	if err != nil {
		return nil, err
	}
	if snap.Rev < synced.Rev {
		return nil, fmt.Errorf("%w: fetched repository at rev %s is older than the #sync rev %s", verify.ErrUnavailable, snap.Rev, synced.Rev)
	}
	return snap, nil
}

// applyResync makes snap the repository's records, with the cursor, in
// one transaction; applied is false when a newer state was applied already
// (by a backfill), which is then kept.
func (i *Ingester) applyResync(ctx context.Context, seq int64, snap *collection.Snapshot) (applied bool, results []collection.Result, err error) {
	err = i.writeTx(ctx, seq, func(tx *store.Tx) error {
		var err error
		results, applied, err = collection.ApplySnapshot(ctx, tx, i.collections, snap)
		return err
	})
	if err != nil || !applied {
		return false, nil, err
	}
	// Invalid records are counted here: the commits that wrote them, if
	// they come after the #sync, are refused as already reflected.
	for _, r := range results {
		if r.Invalid != nil {
			i.m.invalidRecord()
			i.log.Warn("resync skipped an invalid record", "uri", r.URI, "seq", seq, "error", r.Invalid)
			continue
		}
		i.m.applyOp(r.Action)
		i.log.Debug("record gone after resync", "uri", r.URI, "seq", seq)
	}
	return true, results, nil
}
