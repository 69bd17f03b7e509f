package backfill

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere"
	"github.com/statusphere/statusphere/internal/collection"
	"github.com/statusphere/statusphere/internal/ingest"
	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/testlog"
	"github.com/statusphere/statusphere/internal/testnet"
	"github.com/statusphere/statusphere/internal/verify"
)

// startNet starts the local PDS network (testnet.Start skips under -short).
func startNet(t *testing.T, opts ...testnet.Option) *testnet.Network {
	t.Helper()
	return testnet.Start(t, opts...)
}

// dids is the network's directory as the DID resolver the backfill needs
// (a BaseDirectory: DID documents from the local PLC).
func dids(net *testnet.Network) verify.DIDResolver {
	return net.Directory().(verify.DIDResolver)
}

// openStore opens a fresh SQLite database file in a temporary directory.
func openStore(t testing.TB) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "statusphere.db")
	st, err := store.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

// catalog loads the app's lexicons with the app's validator.
func catalog(t testing.TB) *lexicon.Catalog {
	t.Helper()
	cat, err := lexicon.Load(statusphere.Lexicons)
	if err != nil {
		t.Fatalf("load lexicons: %v", err)
	}
	return cat
}

// testLogger logs to the test at level and above; after the test it
// discards (testlog).
func testLogger(t testing.TB, level slog.Level) *slog.Logger { return testlog.New(t, level) }

// startIngester runs a live ingester beside the backfill (fast test
// timings) until the end of the test, once it is connected.
func startIngester(t testing.TB, cfg ingest.Config, deps ingest.Deps) *ingest.Ingester {
	t.Helper()
	cfg.BackoffMin, cfg.BackoffMax = 20*time.Millisecond, 200*time.Millisecond
	cfg.CursorFlushInterval, cfg.SummaryInterval = 100*time.Millisecond, -1
	deps.Logger = testLogger(t, slog.LevelInfo)
	ing, err := ingest.New(cfg, deps)
	if err != nil {
		t.Fatalf("ingest.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := ing.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, 10*time.Second, "the ingester to connect", func() bool { return ing.Health().Connected })
	return ing
}

// waitFor polls cond until it holds or d passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stored returns the stored status at uri, or ok=false.
func stored(t testing.TB, st *store.Store, uri syntax.ATURI) (store.Status, bool) {
	t.Helper()
	s, err := st.Status(context.Background(), uri)
	if errors.Is(err, store.ErrNotFound) {
		return store.Status{}, false
	}
	if err != nil {
		t.Fatalf("read status %s: %v", uri, err)
	}
	return s, true
}

// statusRecord is a status record as an app writes it.
func statusRecord(status string) map[string]any {
	return map[string]any{"$type": string(collection.StatusNSID), "status": status, "createdAt": syntax.DatetimeNow().String()}
}

// noValidate asks the PDS not to validate a record (validate=false).
var noValidate = new(bool)
