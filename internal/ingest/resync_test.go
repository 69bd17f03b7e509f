package ingest

import (
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/testnet"
)

// TestIngestResyncOnSync: a #sync event (here the real one the PDS emits
// for a new account, served without the commits around it) makes the
// consumer verify it, fetch the repository from the account's PDS, verify
// that, and store the valid statuses it holds.
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
	var syncs []*frame
	for _, fb := range raw {
		f, err := decodeFrame(fb)
		if err != nil {
			t.Fatal(err)
		}
		if f.sync != nil && (f.sync.Did == bob.DID.String() || f.sync.Did == carol.DID.String()) {
			syncs = append(syncs, f)
		}
	}
	if len(syncs) != 2 {
		t.Fatalf("the PDS emitted %d #sync events for bob and carol, want 2", len(syncs))
	}
	relay := startFakeRelay(t, syncs)
	st, _ := openStore(t)
	r := startIngester(t, Config{RelayURL: relay.wsURL(), DisableLease: true},
		Deps{Store: st, Directory: net.Directory(), Validator: catalog(t), HTTPClient: net.HTTPClient})
	waitFor(t, 10*time.Second, "both #sync events to be handled", func() bool { return r.Status().Cursor == relay.lastSeq() })

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
	if got := metricValue(t, r.m.resyncs.WithLabelValues("ok")); got != 1 {
		t.Errorf("resyncs ok = %v, want 1 (bob only)", got)
	}
	if c := r.Status().Counts; c.VerificationFailed != 0 {
		t.Errorf("counts %+v", c)
	}
}
