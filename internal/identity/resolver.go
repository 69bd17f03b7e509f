package identity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store"
)

// Store is the part of the database the resolver writes.
type Store interface {
	UpsertIdentity(ctx context.Context, id store.Identity) error
	DIDsWithoutIdentity(ctx context.Context, since time.Time, limit int) ([]syntax.DID, error)
}

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

// Run resolves, in the background, the authors whose handle the database
// does not know yet, checking every interval, until ctx ends. The first
// pass looks at every status; later ones only at statuses indexed since the
// pass before, so each costs what was written meanwhile.
func (r *Resolver) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	failed := map[syntax.DID]time.Time{}
	var since time.Time
	for {
		next := time.Now().UTC().Add(-interval) // overlap, so no write falls between passes
		dids, err := r.store.DIDsWithoutIdentity(ctx, since, 100)
		if err == nil && len(dids) < 100 {
			since = next
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			r.log.Warn("listing authors without identity", "error", err)
		}
		for _, did := range dids {
			if until, ok := failed[did]; ok && time.Now().Before(until) {
				continue
			}
			if _, err := r.Resolve(ctx, did); err != nil {
				if ctx.Err() != nil {
					return
				}
				r.log.Info("resolving author identity", "did", did, "error", err)
				failed[did] = time.Now().Add(10 * time.Minute)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
