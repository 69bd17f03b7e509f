package ingest

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/statusphere/statusphere/internal/store"
)

func TestIngestLease(t *testing.T) {
	frames, dir := recordedFrames(t)
	relay := startFakeRelay(t, frames)
	_, path := openStore(t)
	open := func() *store.Store { // another process on the same database
		st, err := store.Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	stA, stB := open(), open()
	ctx := context.Background()
	const ttl = 1500 * time.Millisecond

	// A crashed ingester ("ghost") holds the lease and no longer renews it.
	if ok, err := stA.AcquireLease(ctx, LeaseName, "ghost", ttl, time.Now()); !ok || err != nil {
		t.Fatalf("ghost lease: %v %v", ok, err)
	}
	cfg := Config{RelayURL: relay.wsURL(), LeaseTTL: ttl, FromOldest: true}
	deps := Deps{Directory: dir, Validator: catalog(t)}
	cfgA, depsA := cfg, deps
	cfgA.LeaseHolder, depsA.Store = "a", stA
	a := startIngester(t, cfgA, depsA)
	time.Sleep(ttl / 3)
	if h := a.Health(); h.HoldsLease || h.Connected {
		t.Fatalf("a holds the lease or is connected while the ghost's lease is live: %+v", h)
	}
	waitFor(t, 3*ttl, "a to take over the expired lease and catch up", func() bool {
		h := a.Health()
		return h.HoldsLease && h.Cursor == relay.lastSeq()
	})

	// b stands by while a renews.
	cfgB, depsB := cfg, deps
	cfgB.LeaseHolder, depsB.Store = "b", stB
	b := startIngester(t, cfgB, depsB)
	time.Sleep(2 * ttl)
	if h := b.Health(); h.HoldsLease || h.Connected {
		t.Fatalf("b holds the lease or is connected while a renews it: %+v", h)
	}
	if !a.Health().HoldsLease {
		t.Fatal("a lost the lease while renewing it")
	}

	// a stops and releases the lease: b takes over at once, from a's cursor.
	a.stop()
	waitFor(t, ttl, "b to take over", func() bool { return b.Health().HoldsLease && b.Health().Connected })
	relay.mu.Lock()
	last := relay.dials[len(relay.dials)-1]
	relay.mu.Unlock()
	if last != strconv.FormatInt(relay.lastSeq(), 10) {
		t.Errorf("b dialled with cursor %q, want a's %d", last, relay.lastSeq())
	}
	if n, _ := stB.CountStatuses(ctx); n != 3 {
		t.Errorf("%d statuses stored, want 3", n)
	}
	if c := b.Health().Counts; c.Applied != 0 || c.Events != 0 {
		t.Errorf("b handled events again: %+v", c)
	}
}

// TestIngestShutdownFlushesCursor: events that touch nothing of ours move
// the cursor only in memory between flushes; stopping writes it.
func TestIngestShutdownFlushesCursor(t *testing.T) {
	frames, dir := recordedFrames(t)
	var others []*frame
	for _, f := range frames {
		if f.kind != kindAccount && len(statusCommits([]*frame{f})) == 0 { // no writes
			others = append(others, f)
		}
	}
	relay := startFakeRelay(t, others)
	st, _ := openStore(t)
	r := startIngester(t, Config{RelayURL: relay.wsURL(), FromOldest: true, DisableLease: true, CursorFlushInterval: time.Hour},
		Deps{Store: st, Directory: dir, Validator: catalog(t)})
	waitFor(t, 5*time.Second, "every event to be seen", func() bool { return r.Health().Counts.Events == int64(len(others)) })
	if _, err := st.Cursor(context.Background(), r.SourceName()); err == nil {
		t.Fatal("a cursor was stored before the flush interval")
	}
	r.stop()
	c, err := st.Cursor(context.Background(), r.SourceName())
	if err != nil || c != relay.lastSeq() {
		t.Fatalf("cursor after shutdown = %d, %v; want %d", c, err, relay.lastSeq())
	}
}
