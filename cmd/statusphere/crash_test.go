package main

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/testnet"
)

// TestCrashRestartTakesOverLease: an ingest process killed (SIGKILL) in
// the middle of a burst and restarted at once takes its lease over without
// waiting for it to expire (the dead process's PID is gone from this
// host), and every status is stored exactly once.
func TestCrashRestartTakesOverLease(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real PDS network; run without -short")
	}
	n := testnet.Start(t, testnet.WithAccounts("alice", "bob"))
	bin := buildBinary(t)
	ctx := t.Context()
	db := filepath.Join(t.TempDir(), "statusphere.db")
	// A lease TTL far longer than the wait allowed below: a restart that
	// waited for the dead process's lease to expire fails the test.
	const ttl = 90 * time.Second
	args := []string{"ingest", "-database-url", db, "-plc-url", n.PLCURL, "-relay-url", n.FirehoseURL(),
		"-ingest-lease-ttl", ttl.String(), "-ops-addr", "127.0.0.1:0"}

	first := startProc(t, bin, "ingest", args...)
	waitFor(t, 20*time.Second, "the ingester holds the lease", func() bool { return first.logged("holding the ingest lease") })
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	bob, alice := n.Account("bob"), n.Account("alice")
	var wg sync.WaitGroup
	uris := make([]syntax.ATURI, 40)
	wg.Go(func() {
		for i := range uris {
			who := bob
			if i%2 == 1 {
				who = alice
			}
			uris[i] = writeStatus(t, who, "🚀")
		}
	})
	waitFor(t, 20*time.Second, "the burst under way", func() bool { c, _ := st.CountStatuses(ctx); return c >= 5 })
	first.kill()
	killed := time.Now()
	again := startProc(t, bin, "ingest-again", args...)
	waitFor(t, ttl/3, "the restarted ingester holds the lease", func() bool { return again.logged("holding the ingest lease") })
	t.Logf("the restarted ingester held the lease %s after the kill (lease TTL %s)", time.Since(killed).Round(time.Millisecond), ttl)
	if !again.logged("took the lease over") {
		t.Error("the restarted ingester did not say it took the lease over")
	}
	wg.Wait()

	waitFor(t, 30*time.Second, "all statuses stored", func() bool { c, _ := st.CountStatuses(ctx); return c == int64(len(uris)) })
	for _, uri := range uris {
		if _, err := st.Status(ctx, uri); err != nil {
			t.Errorf("status %s: %v", uri, err)
		}
	}
	if c, _ := st.CountStatuses(ctx); c != int64(len(uris)) {
		t.Fatalf("%d statuses stored, want %d exactly", c, len(uris))
	}
}
