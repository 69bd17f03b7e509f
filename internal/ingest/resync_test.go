package ingest

import (
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/backfill"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/testnet"
)

// TestIngestResyncOnSync: a #sync event (here the real one the PDS emits
// for a new account, served without the commits around it) makes the
// consumer verify it and queue the repository, which the backfill's
// workers fetch from the account's PDS, verify, and store the valid
// statuses of.
func TestIngestResyncOnSync(t *testing.T) {
	net := startNet(t, testnet.WithAccounts("bob", "carol"))
	ctx := t.Context()
	bob, carol := net.Account("bob"), net.Account("carol")
	a, err := bob.CreateRecord(ctx, Collection, "", statusRecord("🦋"), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bob.CreateRecord(ctx, Collection, "", statusRecord("🐢", "extra", 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := bob.CreateRecord(ctx, Collection, "", statusRecord("🦋🦋"), noValidate)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := captureFrames(ctx, net.FirehoseURL(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// The #sync events, then the status commits that followed them: those
	// are already in the fetched state, and refused as such.
	var stream []*frame
	syncs := 0
	for _, fb := range raw {
		f, err := decodeFrame(fb)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case f.sync != nil && (f.sync.Did == bob.DID.String() || f.sync.Did == carol.DID.String()):
			stream = append(stream, f)
			syncs++
		case f.commit != nil && syncs == 2 && len(statusCommits([]*frame{f})) == 1:
			stream = append(stream, f)
		}
	}
	if syncs != 2 || len(stream) != 5 {
		t.Fatalf("the PDS emitted %d #sync events for bob and carol and %d status commits after them, want 2 and 3", syncs, len(stream)-syncs)
	}
	relay := startFakeRelay(t, stream)
	st, _ := openStore(t)
	resyncer := startResyncer(t, net, st, backfill.Deps{})
	r := startIngester(t, Config{RelayURL: relay.wsURL(), DisableLease: true},
		Deps{Store: st, Directory: dids(net), Validator: catalog(t), OnResync: resyncer.Wake})
	waitFor(t, 10*time.Second, "the stream to be handled", func() bool { return r.Health().Cursor == relay.lastSeq() })
	waitFor(t, 20*time.Second, "the queued repositories to be fetched", func() bool {
		p := resyncer.Progress()
		return p.Done+p.Skipped == 2
	})

	for _, ref := range []string{a.URI.String(), b.URI.String()} {
		if _, ok := stored(t, st, syntax.ATURI(ref)); !ok {
			t.Errorf("status %s not stored by the resync", ref)
		}
	}
	if _, ok := stored(t, st, bad.URI); ok {
		t.Errorf("invalid status %s stored by the resync", bad.URI)
	}
	if n, _ := st.CountStatuses(ctx); n != 2 {
		t.Errorf("%d statuses stored, want 2", n)
	}
	// bob's repository was fetched; carol's, which holds no status, was not.
	if rs, err := st.RepoState(ctx, bob.DID); err != nil || rs.Backfill != store.BackfillDone {
		t.Errorf("bob's repository %+v (%v): want fetched (done)", rs, err)
	}
	if rs, err := st.RepoState(ctx, carol.DID); err != nil || rs.Backfill != store.BackfillSkipped {
		t.Errorf("carol's repository %+v (%v): want skipped (no status)", rs, err)
	}
	if got := r.m.resyncs.get("ok"); got != 2 {
		t.Errorf("resyncs queued = %v, want 2", got)
	}
	// The stream did not wait for the fetch: each later commit was either
	// applied or skipped as reflected already by the fetched state.
	if c := r.Health().Counts; c.VerificationFailed != 0 || c.Applied+c.SkippedStale+c.SkippedInvalid != 3 || c.SkippedInvalid > 1 {
		t.Errorf("counts %+v, want each of the 3 later commits applied or skipped once", c)
	}
	if rs, err := st.RepoState(ctx, bob.DID); err != nil || rs.Rev < stream[len(stream)-1].commit.Rev {
		t.Errorf("bob's repo state %+v (%v): want the fetched rev, at least the last commit's", rs, err)
	}
}
