package backfill

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/collection"
	"github.com/statusphere/statusphere/internal/lease"
	"github.com/statusphere/statusphere/internal/pds"
	"github.com/statusphere/statusphere/internal/store"
)

// outcome is what became of one repository.
type outcome struct {
	state   store.BackfillState  // done, skipped, or pending (a failed attempt)
	snap    *collection.Snapshot // done: what was stored
	results []collection.Result  // done: records skipped as invalid, rows removed
	err     error                // pending: why; skipped: why, if not "no statuses"
}

// backfillRepo fetches one repository, stores its statuses and records
// its state. A failure counts an attempt: the repository is retried after
// a backoff, or marked failed after MaxAttempts. When ctx ends midway the
// repository stays as it was (pending), to be done on resume.
func (b *Backfiller) backfillRepo(ctx context.Context, rs store.RepoState, hint bool) {
	did := rs.DID
	// A repository queued by a #sync (every new account sends one) is
	// first asked whether it holds anything of ours, as a listRepos one is.
	hint = hint || (rs.Attempts == 0 && rs.Error == store.ResyncReason)
	o := b.snapshotRepo(ctx, did, hint)
	if ctx.Err() != nil {
		return
	}
	log := b.log.With("did", did)
	switch o.state {
	case store.BackfillDone:
		valid, invalid := o.snap.Counts(o.results)
		b.p.repoDone(valid, invalid)
		removed := 0
		for _, r := range o.results {
			if r.Invalid != nil {
				log.Warn("skipping an invalid record", "uri", r.URI, "error", r.Invalid)
			} else {
				removed++
			}
		}
		log.Debug("repository backfilled", "rev", o.snap.Rev, "records", valid, "invalid", invalid, "removed", removed)
		return
	case store.BackfillSkipped:
		b.setState(ctx, did, store.BackfillSkipped, rs.Attempts, time.Time{}, errString(o.err))
		b.p.repoSkipped()
		log.Debug("repository skipped", "reason", errString(o.err))
		return
	}
	b.p.fetchError()
	attempts := rs.Attempts + 1
	if attempts >= b.cfg.MaxAttempts {
		// Failed, not forgotten: RetryFailed tries it again later, waiting
		// longer after each failure.
		bo := lease.Backoff{Base: b.cfg.FailedRetryMin, Max: b.cfg.FailedRetryMax, Attempt: attempts - b.cfg.MaxAttempts}
		wait := bo.Next()
		b.setState(ctx, did, store.BackfillFailed, attempts, time.Now().Add(wait), o.err.Error())
		b.p.repoFailed()
		log.Error("could not backfill a repository; marked failed", "attempts", attempts, "retry_in", wait.Round(time.Second), "error", o.err)
		return
	}
	bo := lease.Backoff{Base: b.cfg.RetryMin, Max: b.cfg.RetryMax, Attempt: attempts - 1}
	wait := bo.Next()
	b.setState(ctx, did, store.BackfillPending, attempts, time.Now().Add(wait), o.err.Error())
	log.Warn("could not backfill a repository; will retry", "attempts", attempts, "retry_in", wait.Round(time.Millisecond), "error", o.err)
}

// setState records a repository's state; a database failure is logged and
// leaves the repository pending, to be tried again.
func (b *Backfiller) setState(ctx context.Context, did syntax.DID, st store.BackfillState, attempts int, retryAfter time.Time, msg string) {
	if err := b.store.SetRepoBackfill(ctx, did, st, attempts, retryAfter, msg); err != nil && ctx.Err() == nil {
		b.log.Error("recording a repository's backfill state", "did", did, "state", st, "error", err)
	}
}

// goneErrors are the getRepo errors that say there is no repository to
// fetch (the account is gone, or not active).
var goneErrors = map[string]bool{
	"RepoNotFound": true, "RepoTakendown": true, "RepoDeactivated": true, "RepoSuspended": true,
}

// snapshotRepo fetches did's repository, verifies it, and replaces its
// statuses in one transaction that also marks it done. When the firehose
// applied a newer commit of the repository while it was being fetched, the
// snapshot is stale (storing it would undo that commit): it is fetched
// again, up to StaleRefetches times.
func (b *Backfiller) snapshotRepo(ctx context.Context, did syntax.DID, hint bool) outcome {
	host, err := b.fetch.PDS(ctx, did)
	if errors.Is(err, identity.ErrDIDNotFound) {
		return outcome{state: store.BackfillSkipped, err: err}
	}
	if err != nil {
		return outcome{state: store.BackfillPending, err: err}
	}
	if hint {
		// An unverified hint from the PDS, used only to skip work: what we
		// store is what we fetch and verify.
		held, err := collection.HoldsStatuses(ctx, b.store, did)
		if err != nil {
			return outcome{state: store.BackfillPending, err: err}
		}
		if !held {
			if has, err := b.fetch.HasRecords(ctx, host, did); err == nil && !has {
				return outcome{state: store.BackfillSkipped}
			}
		}
	}
	for try := 0; ; try++ {
		snap, err := b.fetch.Fetch(ctx, host, did)
		if err != nil {
			if name, _ := pds.ErrorName(err); goneErrors[name] {
				return outcome{state: store.BackfillSkipped, err: err}
			}
			return outcome{state: store.BackfillPending, err: err}
		}
		var (
			results []collection.Result
			applied bool
		)
		err = b.store.InTx(ctx, func(tx *store.Tx) error {
			var err error
			results, applied, err = collection.ApplySnapshot(ctx, tx, b.collections, snap)
			if err != nil || !applied {
				return err
			}
			return tx.SetRepoBackfill(ctx, did, store.BackfillDone, 0, time.Time{}, "")
		})
		if err != nil {
			return outcome{state: store.BackfillPending, err: fmt.Errorf("store the snapshot: %w", err)}
		}
		if applied {
			return outcome{state: store.BackfillDone, snap: snap, results: results}
		}
		b.p.refetch()
		if try >= b.cfg.StaleRefetches {
			return outcome{state: store.BackfillPending, err: fmt.Errorf("the repository kept changing while it was fetched (last fetched rev %s)", snap.Rev)}
		}
		b.log.Debug("the firehose applied a newer commit while the repository was fetched; fetching it again", "did", did, "rev", snap.Rev)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
