package ingest

import (
	"context"
	"errors"
	"time"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/lease"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/verify"
)

// handleSync handles a #sync event: the repository's state was reset (the
// commit it carries is the new head, without the ops that led there). The
// event's commit is verified (with the cached key; no retry: the stream
// does not wait) and, in one transaction with the cursor, the repository
// is marked pending for the backfill's workers, which fetch it
// (com.atproto.sync.getRepo), verify it and replace its records unless a
// newer state is applied already. The stream never waits on that fetch;
// commits for the repository meanwhile are applied or skipped by its
// stored rev as always. A #sync that fails verification is dropped and
// counted.
func (i *Ingester) handleSync(ctx context.Context, seq int64, evt *comatproto.SyncSubscribeRepos_Sync) error {
	did, err := syntax.ParseDID(evt.Did)
	if err != nil {
		i.m.verificationFailed()
		i.log.Warn("dropping a #sync event with a bad DID", "did", evt.Did, "seq", seq, "error", err)
		i.markHandled(seq)
		return nil
	}
	commit, err := i.verifier.Sync(ctx, did, evt)
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, verify.ErrUnavailable):
		// The key could not be fetched now: the fetched repository is
		// verified anyway, against the key of that moment.
		i.log.Info("cannot verify a #sync now; queueing the resync anyway", "did", did, "seq", seq, "error", err)
	case err != nil:
		i.m.verificationFailed()
		i.log.Warn("dropping a #sync event that failed verification", "did", did, "seq", seq, "error", err)
		i.markHandled(seq)
		return nil
	default:
		// Commits up to the #sync's rev are history now.
		defer i.verifier.Applied(did, commit.Rev)
	}
	err = i.writeTx(ctx, seq, func(tx *store.Tx) error {
		return tx.SetRepoBackfill(ctx, did, store.BackfillPending, 0, time.Time{}, store.ResyncReason)
	})
	if err != nil {
		return err
	}
	i.m.resync(true)
	i.log.Info("repository reset by #sync; queued for a resync", "did", did, "seq", seq, "rev", evt.Rev)
	if i.onResync != nil {
		i.onResync()
	}
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
