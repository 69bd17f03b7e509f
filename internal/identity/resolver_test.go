package identity

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/store/storetest"
)

// seedAuthors stores one status by each of n authors did:plc:author00000…,
// none of them with an identity.
func seedAuthors(t *testing.T, st *store.Store, n int) []syntax.DID {
	t.Helper()
	now := time.Now().UTC()
	var dids []syntax.DID
	for i := range n {
		did := syntax.DID(fmt.Sprintf("did:plc:author%05d", i))
		err := st.UpsertStatus(t.Context(), store.Status{
			URI: syntax.ATURI(fmt.Sprintf("at://%s/xyz.statusphere.status/3abc", did)), AuthorDID: did,
			RKey: "3abc", Status: "👍", Record: []byte(`{}`), CreatedAt: now, IndexedAt: now,
		})
		if err != nil {
			t.Fatal(err)
		}
		dids = append(dids, did)
	}
	return dids
}

// waitUntilNonePending waits until no author is due at the time due.
func waitUntilNonePending(t *testing.T, st *store.Store, due time.Time) {
	t.Helper()
	for {
		dids, err := st.PendingIdentities(t.Context(), due, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(dids) == 0 {
			return
		}
		select {
		case <-t.Context().Done():
			t.Fatal("authors still pending when the test ended")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// failingDirectory fails the lookup of one DID.
type failingDirectory struct {
	*identity.MockDirectory
	fail syntax.DID
}

func (d failingDirectory) LookupDID(ctx context.Context, did syntax.DID) (*identity.Identity, error) {
	if did == d.fail {
		return nil, errors.New("directory unreachable")
	}
	return d.MockDirectory.LookupDID(ctx, did)
}

// TestResolverRunResolvesPending checks that Run resolves every pending
// author, batch after batch without waiting for its interval (here longer
// than the test), records authors the directory does not know with no
// handle, and retries a failed lookup only later.
func TestResolverRunResolvesPending(t *testing.T) {
	st := storetest.SQLite(t)
	dids := seedAuthors(t, st, 2*passBatch+passBatch/2)
	dir := failingDirectory{MockDirectory: identity.NewMockDirectory(), fail: dids[7]}
	for i, did := range dids {
		if i%3 != 0 { // every third author is unknown to the directory
			dir.Insert(identity.Identity{DID: did, Handle: syntax.Handle(fmt.Sprintf("u%d.test", i))})
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		NewResolver(dir, st, slog.New(slog.NewTextHandler(io.Discard, nil))).Run(ctx, time.Hour)
	}()
	waitUntilNonePending(t, st, time.Now().UTC())
	cancel()
	<-done

	for i, did := range dids {
		id, err := st.Identity(t.Context(), did)
		switch {
		case did == dir.fail:
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("identity of the failed DID = %+v, %v; want none", id, err)
			}
		case err != nil:
			t.Errorf("identity of %s: %v", did, err)
		case i%3 == 0 && id.Handle != "":
			t.Errorf("handle of unknown %s = %q, want none", did, id.Handle)
		case i%3 != 0 && id.Handle != fmt.Sprintf("u%d.test", i):
			t.Errorf("handle of %s = %q, want u%d.test", did, id.Handle, i)
		}
	}
	later, err := st.PendingIdentities(t.Context(), time.Now().UTC().Add(retryFailed+time.Minute), 10)
	if err != nil || len(later) != 1 || later[0] != dir.fail {
		t.Errorf("pending after the retry delay = %v, %v; want [%s]", later, err, dir.fail)
	}
}

// gateDirectory holds every lookup until lookupsInFlight of them are in
// flight at once, and records the most it saw.
type gateDirectory struct {
	*identity.MockDirectory
	mu       sync.Mutex
	inFlight int
	most     int
	open     chan struct{}
}

func (d *gateDirectory) LookupDID(ctx context.Context, did syntax.DID) (*identity.Identity, error) {
	d.mu.Lock()
	d.inFlight++
	d.most = max(d.most, d.inFlight)
	if d.inFlight == lookupsInFlight {
		select {
		case <-d.open:
		default:
			close(d.open)
		}
	}
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.inFlight--
		d.mu.Unlock()
	}()
	select {
	case <-d.open:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return d.MockDirectory.LookupDID(ctx, did)
}

// TestResolverLookupsInFlight checks that a pass keeps lookupsInFlight
// directory lookups in flight, and never more: with fewer, the gate never
// opens and the test runs out of time.
func TestResolverLookupsInFlight(t *testing.T) {
	st := storetest.SQLite(t)
	seedAuthors(t, st, 100)
	dir := &gateDirectory{MockDirectory: identity.NewMockDirectory(), open: make(chan struct{})}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		NewResolver(dir, st, slog.New(slog.NewTextHandler(io.Discard, nil))).Run(ctx, time.Hour)
	}()
	waitUntilNonePending(t, st, time.Now().UTC())
	cancel()
	<-done
	if dir.most != lookupsInFlight {
		t.Errorf("at most %d lookups in flight, want %d", dir.most, lookupsInFlight)
	}
}
