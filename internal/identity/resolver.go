package identity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store"
)

// Store is the part of the database the resolver reads and writes.
type Store interface {
	UpsertIdentity(ctx context.Context, id store.Identity) error
	PendingIdentities(ctx context.Context, now time.Time, limit int) ([]syntax.DID, error)
	DeferIdentity(ctx context.Context, did syntax.DID, until time.Time) error
}

const (
	// lookupsInFlight bounds the directory lookups of a background pass:
	// enough to keep a directory busy (a first pass over 10,000 authors
	// proceeds at the directory's speed), few enough not to flood it.
	lookupsInFlight = 8
	// passBatch is how many pending authors a pass takes from the store at
	// a time.
	passBatch = 32 * lookupsInFlight
	// retryFailed is how long an author whose lookup failed waits before
	// the next try.
	retryFailed = 10 * time.Minute
)

// Resolver keeps the identity table current.
type Resolver struct {
	dir   identity.Directory
	store Store
	log   *slog.Logger
}

// NewResolver returns a resolver that looks identities up in dir and
// records them in st.
func NewResolver(dir identity.Directory, st Store, log *slog.Logger) *Resolver {
	return &Resolver{dir: dir, store: st, log: log}
}

// Directory is the directory the resolver looks identities up in.
func (r *Resolver) Directory() identity.Directory { return r.dir }

// Refresh looks did up afresh (purging any cached copy) and records its
// handle if the handle is verified both ways, or no handle if it is not.
func (r *Resolver) Refresh(ctx context.Context, did syntax.DID) (store.Identity, error) {
	if err := r.dir.Purge(ctx, did.AtIdentifier()); err != nil {
		r.log.Debug("purging cached identity", "did", did, "error", err)
	}
	return r.Resolve(ctx, did)
}

// Resolve looks did up (from the directory's cache when it can) and records
// what it found.
func (r *Resolver) Resolve(ctx context.Context, did syntax.DID) (store.Identity, error) {
	row := store.Identity{DID: did, VerifiedAt: time.Now().UTC()}
	ident, err := r.dir.LookupDID(ctx, did)
	if errors.Is(err, identity.ErrDIDNotFound) {
		// Known to have no handle: record that, so it is not asked again
		// until the next #identity event or refresh.
		if err := r.store.UpsertIdentity(ctx, row); err != nil {
			return store.Identity{}, fmt.Errorf("identity: record %s: %w", did, err)
		}
		return row, nil
	}
	if err != nil {
		return store.Identity{}, fmt.Errorf("identity: look up %s: %w", did, err)
	}
	// indigo sets Handle to handle.invalid unless the handle resolves back to did.
	if !ident.Handle.IsInvalidHandle() && ident.Handle != "" {
		row.Handle = ident.Handle.String()
	}
	if err := r.store.UpsertIdentity(ctx, row); err != nil {
		return store.Identity{}, fmt.Errorf("identity: record %s: %w", did, err)
	}
	return row, nil
}

// Run resolves, in the background, the authors whose identity the
// database does not know yet, until ctx ends. The store queues them as their
// statuses are written ([store.Store.PendingIdentities]); Run takes them in
// batches, with up to lookupsInFlight lookups at once, back to back while
// the queue is full, then checks again every interval. An empty queue costs
// one indexed query per interval, whatever the size of the status table.
func (r *Resolver) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for r.pass(ctx) {
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// pass resolves one batch of pending authors and reports whether the batch
// was full (more may be pending) and ctx is still alive.
func (r *Resolver) pass(ctx context.Context) bool {
	dids, err := r.store.PendingIdentities(ctx, time.Now().UTC(), passBatch)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("listing authors without identity", "error", err)
		}
		return false
	}
	work := make(chan syntax.DID)
	var wg sync.WaitGroup
	for range min(lookupsInFlight, len(dids)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for did := range work {
				r.resolvePending(ctx, did)
			}
		}()
	}
	for _, did := range dids {
		work <- did
	}
	close(work)
	wg.Wait()
	return len(dids) == passBatch && ctx.Err() == nil
}

// resolvePending resolves did for the background pass; a failed lookup is
// retried after retryFailed.
func (r *Resolver) resolvePending(ctx context.Context, did syntax.DID) {
	_, err := r.Resolve(ctx, did)
	if err == nil || ctx.Err() != nil {
		return
	}
	r.log.Info("resolving author identity", "did", did, "error", err)
	if err := r.store.DeferIdentity(ctx, did, time.Now().UTC().Add(retryFailed)); err != nil && ctx.Err() == nil {
		r.log.Warn("deferring author identity", "did", did, "error", err)
	}
}
