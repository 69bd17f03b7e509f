package ingest

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store"
)

// hidingStatuses are the #account statuses that hide an account's
// statuses; other inactive states (throttled, desynchronized) change
// nothing we show.
var hidingStatuses = map[string]bool{
	"deleted": true, "takendown": true, "suspended": true, "deactivated": true,
}

// handleAccount applies an #account event: an active account's statuses
// show, a deleted, taken-down, suspended or deactivated one's are hidden.
// The event carries no signature (the protocol signs repositories, not
// hosting status): the source is the authority on hosting status, as the
// sync spec has it.
func (i *Ingester) handleAccount(ctx context.Context, pos int64, didStr string, active bool, status *string) error {
	did, err := syntax.ParseDID(didStr)
	if err != nil {
		i.log.Warn("skipping an #account event with a bad DID", "did", didStr, "seq", pos, "error", err)
		i.markHandled(pos)
		return nil
	}
	st := ""
	if status != nil {
		st = *status
	}
	switch {
	case active:
		st = "active"
	case hidingStatuses[st]:
	default:
		i.log.Debug("account state changes nothing shown", "did", did, "status", st, "seq", pos)
		i.markHandled(pos)
		return nil
	}
	err = i.writeTx(ctx, pos, func(tx *store.Tx) error {
		return tx.SetAccountStatus(ctx, did, active, st)
	})
	if err != nil {
		return err
	}
	i.log.Debug("account status", "did", did, "active", active, "status", st, "seq", pos)
	return nil
}

// handleIdentity handles an #identity event: the account's signing key is
// forgotten (the next commit fetches its DID document again) and its handle
// is refreshed in the background.
func (i *Ingester) handleIdentity(ctx context.Context, pos int64, didStr string) error {
	did, err := syntax.ParseDID(didStr)
	if err != nil {
		i.log.Warn("skipping an #identity event with a bad DID", "did", didStr, "seq", pos, "error", err)
		i.markHandled(pos)
		return nil
	}
	if i.verifier != nil {
		i.verifier.Forget(ctx, did)
	}
	if i.refreshes != nil {
		i.refreshes.enqueue(did)
	}
	i.markHandled(pos)
	return nil
}

const (
	refreshWorkers = 4
	refreshQueue   = 4096
	refreshTimeout = 30 * time.Second
)

// refresher refreshes handles off the event loop: a resolution takes a DID
// document fetch and a handle check, far slower than the firehose brings
// #identity events. DIDs already queued are not queued twice; when the
// queue is full a refresh is dropped (the handle cache expires on its own),
// counted and logged.
type refresher struct {
	r     IdentityRefresher
	log   *slog.Logger
	m     *metrics
	queue chan syntax.DID

	mu      sync.Mutex
	pending map[syntax.DID]bool
}

func newRefresher(r IdentityRefresher, log *slog.Logger, m *metrics) *refresher {
	return &refresher{r: r, log: log, m: m, queue: make(chan syntax.DID, refreshQueue), pending: map[syntax.DID]bool{}}
}

// enqueue asks for did's handle to be refreshed.
func (r *refresher) enqueue(did syntax.DID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending[did] {
		return
	}
	select {
	case r.queue <- did:
		r.pending[did] = true
	default:
		r.m.identityRefreshes.inc("dropped")
		r.log.Debug("identity refresh queue full; dropping", "did", did)
	}
}

// run refreshes queued DIDs until ctx ends.
func (r *refresher) run(ctx context.Context) {
	var wg sync.WaitGroup
	for range refreshWorkers {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case did := <-r.queue:
					r.mu.Lock()
					delete(r.pending, did)
					r.mu.Unlock()
					rctx, cancel := context.WithTimeout(ctx, refreshTimeout)
					_, err := r.r.Refresh(rctx, did)
					cancel()
					if err != nil {
						r.m.identityRefreshes.inc("failed")
						r.log.Info("refreshing an identity after #identity", "did", did, "error", err)
						continue
					}
					r.m.identityRefreshes.inc("ok")
				}
			}
		})
	}
	wg.Wait()
}
