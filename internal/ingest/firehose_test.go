package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/testnet"
)

func TestIngestFromAnotherApp(t *testing.T) {
	net := startNet(t, testnet.WithAccounts("bob"))
	st, _ := openStore(t)
	r := startIngester(t, Config{RelayURL: net.FirehoseURL()},
		Deps{Store: st, Directory: dids(net), Validator: catalog(t)})
	r.waitConnected(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	bob := net.Account("bob")

	// Create, as another app would: straight to the PDS.
	ref, err := bob.CreateRecord(ctx, Collection, "", statusRecord("🦋"), nil)
	if err != nil {
		t.Fatalf("createRecord: %v", err)
	}
	written := time.Now()
	uri := ref.URI
	waitFor(t, 2*time.Second, "the created status to be stored", func() bool { _, ok := stored(t, st, uri); return ok })
	t.Logf("created status stored %s after createRecord returned", time.Since(written).Round(time.Millisecond))
	tl, err := st.Timeline(ctx, 10, time.Time{})
	if err != nil {
		t.Fatalf("timeline: %v", err)
	}
	if len(tl) != 1 || tl[0].URI != uri || tl[0].Status.Status != "🦋" || tl[0].AuthorDID != bob.DID || tl[0].CID != ref.CID {
		t.Fatalf("timeline = %+v, want bob's 🦋 at %s (cid %s)", tl, uri, ref.CID)
	}
	if tl[0].Rev == "" || tl[0].CreatedAt.IsZero() {
		t.Errorf("stored row lacks rev or createdAt: %+v", tl[0].Status)
	}

	// Update with putRecord.
	aturi, _ := syntax.ParseATURI(uri.String())
	rkey := aturi.RecordKey().String()
	ref2, err := bob.PutRecord(ctx, Collection, rkey, statusRecord("🐢"), nil)
	if err != nil {
		t.Fatalf("putRecord: %v", err)
	}
	waitFor(t, 2*time.Second, "the update to be stored", func() bool {
		s, ok := stored(t, st, uri)
		return ok && s.Status == "🐢" && s.CID == ref2.CID
	})
	s, _ := stored(t, st, uri)
	var rec map[string]any
	if err := json.Unmarshal(s.Record, &rec); err != nil || rec["status"] != "🐢" || rec["$type"] != Collection {
		t.Errorf("stored record JSON %s (%v), want the updated record", s.Record, err)
	}

	// Delete.
	if err := bob.DeleteRecord(ctx, Collection, rkey); err != nil {
		t.Fatalf("deleteRecord: %v", err)
	}
	waitFor(t, 2*time.Second, "the delete to be applied", func() bool { _, ok := stored(t, st, uri); return !ok })

	// The PDS may deliver the #sync of bob's new repository after we
	// connect; its resync can fetch the repository with the 🦋 already in
	// it, and the create's commit is then stale (reflected already).
	creates := float64(r.m.applied.get("create"))
	if resynced := float64(r.m.resyncs.get("ok")); creates != 1 &&
		(creates != 0 || resynced == 0 || float64(r.m.stale.Load()) != 1) {
		t.Errorf("applied{action=create} = %v (resyncs %v, stale %v), want 1, or 0 with the status brought by a resync",
			creates, resynced, float64(r.m.stale.Load()))
	}
	for action, want := range map[string]float64{"update": 1, "delete": 1} {
		if got := float64(r.m.applied.get(action)); got != want {
			t.Errorf("applied{action=%s} = %v, want %v", action, got, want)
		}
	}
	if c := r.Health().Counts; c.VerificationFailed != 0 || c.Malformed != 0 || c.SkippedInvalid != 0 {
		t.Errorf("counts = %+v, want no failures", c)
	}
	// The cursor is stored and covers the delete.
	waitFor(t, 2*time.Second, "the cursor to be stored", func() bool {
		c, err := st.Cursor(ctx, r.SourceName())
		return err == nil && c > 0 && c == r.Health().Cursor
	})
}

func TestIngestSkipsInvalid(t *testing.T) {
	net := startNet(t, testnet.WithAccounts("bob"))
	st, _ := openStore(t)
	r := startIngester(t, Config{RelayURL: net.FirehoseURL()},
		Deps{Store: st, Directory: dids(net), Validator: catalog(t)})
	r.waitConnected(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	bob := net.Account("bob")

	// The PDS has no schema for our collection: with validate=false it
	// stores whatever it is given, and the firehose carries it.
	invalid := map[string]map[string]any{
		"two graphemes":     statusRecord("🦋🦋"),
		"missing createdAt": {"$type": Collection, "status": "🦋"},
		"status a number":   {"$type": Collection, "status": 42, "createdAt": syntax.DatetimeNow().String()},
	}
	var invalidURIs []syntax.ATURI
	for name, rec := range invalid {
		ref, err := bob.CreateRecord(ctx, Collection, "", rec, noValidate)
		if err != nil {
			t.Fatalf("createRecord (%s): %v", name, err)
		}
		invalidURIs = append(invalidURIs, ref.URI)
	}
	// A valid record with a field the schema does not know.
	ref, err := bob.CreateRecord(ctx, Collection, "", statusRecord("🌻", "mood", map[string]any{"weather": "sunny"}), noValidate)
	if err != nil {
		t.Fatalf("createRecord: %v", err)
	}
	waitFor(t, 2*time.Second, "the valid status to be stored", func() bool { _, ok := stored(t, st, ref.URI); return ok })

	// Events are handled in order: the invalid ones came first.
	for _, uri := range invalidURIs {
		if s, ok := stored(t, st, uri); ok {
			t.Errorf("invalid record %s stored: %+v", uri, s)
		}
	}
	if got := r.Health().Counts.SkippedInvalid; got != int64(len(invalid)) {
		t.Errorf("skipped invalid = %d, want %d", got, len(invalid))
	}
	if got := float64(r.m.invalid.Load()); got != float64(len(invalid)) {
		t.Errorf("metric skipped_invalid_total = %v, want %d", got, len(invalid))
	}
	s, _ := stored(t, st, ref.URI)
	var rec map[string]any
	if err := json.Unmarshal(s.Record, &rec); err != nil {
		t.Fatalf("stored record %q: %v", s.Record, err)
	}
	mood, _ := rec["mood"].(map[string]any)
	if s.Status != "🌻" || mood["weather"] != "sunny" {
		t.Errorf("stored %+v with record %s, want 🌻 with its unknown field mood.weather", s.Status, s.Record)
	}
	if n, _ := st.CountStatuses(ctx); n != 1 {
		t.Errorf("%d statuses stored, want 1", n)
	}
}

// writeStatuses writes n statuses, spread over accts, each account's in
// order and the accounts concurrently; after each write it calls progress
// (if set) with the number written so far.
func writeStatuses(ctx context.Context, t *testing.T, accts []*testnet.Account, n int, progress func(int)) []syntax.ATURI {
	t.Helper()
	var (
		mu    sync.Mutex
		uris  []syntax.ATURI
		wg    sync.WaitGroup
		emoji = []string{"🦋", "🐢", "🌻", "🎉", "😀"}
	)
	for a, acct := range accts {
		count := n / len(accts)
		if a < n%len(accts) {
			count++
		}
		wg.Go(func() {
			for j := range count {
				ref, err := acct.CreateRecord(ctx, Collection, "", statusRecord(emoji[j%len(emoji)]), nil)
				if err != nil {
					t.Errorf("createRecord as %s: %v", acct.Handle, err)
					return
				}
				mu.Lock()
				uris = append(uris, ref.URI)
				done := len(uris)
				mu.Unlock()
				if progress != nil {
					progress(done)
				}
			}
		})
	}
	wg.Wait()
	if len(uris) != n {
		t.Fatalf("wrote %d statuses, want %d", len(uris), n)
	}
	return uris
}

// waitAllStored waits until every uri is stored and the database holds
// exactly total statuses (each one once).
func waitAllStored(t *testing.T, st *store.Store, uris []syntax.ATURI, total int64, d time.Duration) {
	t.Helper()
	waitFor(t, d, fmt.Sprintf("%d statuses to be stored", len(uris)), func() bool {
		for _, u := range uris {
			if _, ok := stored(t, st, u); !ok {
				return false
			}
		}
		return true
	})
	if n, err := st.CountStatuses(context.Background()); err != nil || n != total {
		t.Fatalf("%d statuses stored (%v), want %d", n, err, total)
	}
}

func TestIngestResumeAfterRestart(t *testing.T) {
	net := startNet(t)
	st, _ := openStore(t)
	cfg := Config{RelayURL: net.FirehoseURL()}
	deps := Deps{Store: st, Directory: dids(net), Validator: catalog(t)}
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	accts := net.Accounts()
	var applied int64 // creates applied, summed over the ingesters
	count := func(r *running) { applied += int64(float64(r.m.applied.get("create"))) }

	// A first run stores a cursor.
	r1 := startIngester(t, cfg, deps)
	r1.waitConnected(t)
	first := writeStatuses(ctx, t, accts[:1], 1, nil)
	waitAllStored(t, st, first, 1, 5*time.Second)
	r1.stop()
	count(r1)
	cursor, err := st.Cursor(ctx, r1.SourceName())
	if err != nil {
		t.Fatalf("no cursor after the first run: %v", err)
	}

	// Stopped: 50 statuses from several accounts, then a restart.
	t.Run("stopped", func(t *testing.T) {
		uris := writeStatuses(ctx, t, accts, 50, nil)
		r2 := startIngester(t, cfg, deps)
		waitAllStored(t, st, uris, 51, 20*time.Second)
		r2.stop()
		count(r2)
		if c, _ := st.Cursor(ctx, r2.SourceName()); c <= cursor {
			t.Errorf("cursor %d did not move past %d", c, cursor)
		}
	})

	// Stopped in the middle of a burst.
	t.Run("mid-burst", func(t *testing.T) {
		r3 := startIngester(t, cfg, deps)
		r3.waitConnected(t)
		var once sync.Once
		uris := writeStatuses(ctx, t, accts, 50, func(done int) {
			if done >= 20 {
				once.Do(r3.stop)
			}
		})
		count(r3)
		t.Logf("the ingester stopped mid-burst had applied %v of the 50", float64(r3.m.applied.get("create")))
		r4 := startIngester(t, cfg, deps)
		waitAllStored(t, st, uris, 101, 20*time.Second)
		r4.stop()
		count(r4)
	})

	// Each create was applied exactly once across all the runs: the cursor
	// stored with the rows means nothing was applied twice or skipped.
	if applied != 101 {
		t.Errorf("creates applied over all runs = %d, want 101", applied)
	}
}
