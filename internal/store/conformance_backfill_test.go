package store_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store"
)

var errRollback = errors.New("roll back")

func testRepoRevAdvance(t *testing.T, s *store.Store) {
	ctx := t.Context()
	_, err := s.RepoState(ctx, did(1))
	wantNotFound(t, "RepoState before any", err)
	steps := []struct {
		rev    string
		orSame bool
		want   bool
		stored string
	}{
		{"3jzfcijpj2z2b", false, true, "3jzfcijpj2z2b"},  // first: inserted
		{"3jzfcijpj2z2b", false, false, "3jzfcijpj2z2b"}, // same commit again
		{"3jzfcijpj2z2a", false, false, "3jzfcijpj2z2b"}, // older commit
		{"3jzfcijpj2z2a", true, false, "3jzfcijpj2z2b"},  // older snapshot
		{"3jzfcijpj2z2b", true, true, "3jzfcijpj2z2b"},   // snapshot at the same rev
		{"3jzfcijpj2z2c", false, true, "3jzfcijpj2z2c"},  // newer commit
		{"3jzfcijpj2z2d", true, true, "3jzfcijpj2z2d"},   // newer snapshot
	}
	for _, st := range steps {
		got, err := s.AdvanceRepoRev(ctx, did(1), st.rev, st.orSame)
		if err != nil {
			t.Fatal(err)
		}
		if got != st.want {
			t.Errorf("AdvanceRepoRev(%s, orSame %v) = %v, want %v", st.rev, st.orSame, got, st.want)
		}
		rs, err := s.RepoState(ctx, did(1))
		if err != nil || rs.Rev != st.stored {
			t.Errorf("after AdvanceRepoRev(%s, orSame %v): rev %q, %v; want %q", st.rev, st.orSame, rs.Rev, err, st.stored)
		}
	}
	if rs, _ := s.RepoState(ctx, did(1)); rs.Backfill != store.BackfillNone || rs.UpdatedAt.IsZero() {
		t.Errorf("repo state %+v: want no backfill state and an update time", rs)
	}
	if ok, err := s.AdvanceRepoRev(ctx, did(2), "3jzfcijpj2z2a", true); err != nil || !ok {
		t.Errorf("another repository: %v, %v; want true", ok, err)
	}
	if _, err := s.AdvanceRepoRev(ctx, did(3), "", false); err == nil {
		t.Error("AdvanceRepoRev with an empty rev: no error")
	}
	// Rolled back with its transaction.
	s.InTx(ctx, func(tx *store.Tx) error {
		if ok, err := tx.AdvanceRepoRev(ctx, did(1), "3jzfcijpj2z2z", false); err != nil || !ok {
			t.Errorf("in a transaction: %v, %v", ok, err)
		}
		return errRollback
	})
	if rs, _ := s.RepoState(ctx, did(1)); rs.Rev != "3jzfcijpj2z2d" {
		t.Errorf("rev after a rolled-back advance = %q, want 3jzfcijpj2z2d", rs.Rev)
	}
}

// testRepoRevSerialized: while one transaction has advanced a repository's
// rev and not committed, another's advance of the same repository waits
// for it and then sees the committed rev.
func testRepoRevSerialized(t *testing.T, s *store.Store) {
	ctx := t.Context()
	if _, err := s.AdvanceRepoRev(ctx, did(1), "3jzfcijpj2z2a", false); err != nil {
		t.Fatal(err)
	}
	holding, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.InTx(ctx, func(tx *store.Tx) error {
			if ok, err := tx.AdvanceRepoRev(ctx, did(1), "3jzfcijpj2z2c", true); err != nil || !ok {
				t.Errorf("first advance: %v, %v", ok, err)
			}
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	second := make(chan bool, 1)
	go func() {
		ok, err := s.AdvanceRepoRev(ctx, did(1), "3jzfcijpj2z2b", false)
		if err != nil {
			t.Error(err)
		}
		second <- ok
	}()
	select {
	case ok := <-second:
		t.Fatalf("the second advance did not wait for the first transaction (returned %v)", ok)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if ok := <-second; ok {
		t.Error("the second advance (older rev) won after the first committed a newer one")
	}
	if rs, _ := s.RepoState(ctx, did(1)); rs.Rev != "3jzfcijpj2z2c" {
		t.Errorf("rev = %q, want 3jzfcijpj2z2c", rs.Rev)
	}
}

func testStatusURIsByAuthor(t *testing.T, s *store.Store) {
	ctx := t.Context()
	mustUpsert(t, s,
		newStatus(did(1), "3jzfcijpj2z2b", "👍", t0, t0),
		newStatus(did(1), "3jzfcijpj2z2a", "🎉", t0, t0),
		newStatus(did(2), "3jzfcijpj2z2c", "🦋", t0, t0))
	if err := s.SetAccountStatus(ctx, did(1), false, "deactivated"); err != nil {
		t.Fatal(err)
	}
	got, err := s.StatusURIsByAuthor(ctx, did(1))
	if err != nil {
		t.Fatal(err)
	}
	if want := []syntax.ATURI{uri(did(1), "3jzfcijpj2z2a"), uri(did(1), "3jzfcijpj2z2b")}; !slices.Equal(got, want) {
		t.Errorf("StatusURIsByAuthor = %v, want %v (hidden accounts included, URI order)", got, want)
	}
	if got, err := s.StatusURIsByAuthor(ctx, did(9)); err != nil || len(got) != 0 {
		t.Errorf("an author without statuses: %v, %v", got, err)
	}
}

func testBackfillRun(t *testing.T, s *store.Store) {
	ctx := t.Context()
	_, err := s.BackfillRun(ctx, "xyz.statusphere.status")
	wantNotFound(t, "BackfillRun before any", err)
	run := store.BackfillRun{Name: "xyz.statusphere.status", Host: "https://bsky.network", StartedAt: t0}
	if err := s.SaveBackfillRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	run.Method, run.Cursor, run.Discovered = "com.atproto.sync.listReposByCollection", "did:plc:zzz", true
	err = s.InTx(ctx, func(tx *store.Tx) error { return tx.SaveBackfillRun(ctx, run) })
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.BackfillRun(ctx, run.Name)
	if err != nil {
		t.Fatal(err)
	}
	if got.Host != run.Host || got.Method != run.Method || got.Cursor != run.Cursor || !got.Discovered || got.Finished ||
		!got.StartedAt.Equal(t0.Truncate(time.Microsecond)) || got.UpdatedAt.IsZero() {
		t.Errorf("BackfillRun = %+v, want %+v", got, run)
	}
	run.Finished = true
	if err := s.SaveBackfillRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.BackfillRun(ctx, run.Name); !got.Finished {
		t.Errorf("Finished not stored: %+v", got)
	}
	if err := s.SaveBackfillRun(ctx, store.BackfillRun{}); err == nil {
		t.Error("SaveBackfillRun without a name: no error")
	}
}

func testBackfillRepos(t *testing.T, s *store.Store) {
	ctx := t.Context()
	counts := func(want store.BackfillCounts) {
		t.Helper()
		got, err := s.BackfillCounts(ctx)
		if err != nil || got != want {
			t.Errorf("BackfillCounts = %+v, %v; want %+v", got, err, want)
		}
	}
	counts(store.BackfillCounts{})
	// did(2) is known from the firehose already.
	if _, err := s.AdvanceRepoRev(ctx, did(2), "3jzfcijpj2z2a", false); err != nil {
		t.Fatal(err)
	}
	added, err := s.AddBackfillRepos(ctx, []syntax.DID{did(3), did(1), did(2)})
	if err != nil || added != 3 {
		t.Fatalf("AddBackfillRepos = %d, %v; want 3", added, err)
	}
	counts(store.BackfillCounts{Pending: 3})
	retry := t0.Add(time.Hour)
	if err := s.SetRepoBackfill(ctx, did(1), store.BackfillDone, 0, time.Time{}, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.InTx(ctx, func(tx *store.Tx) error {
		return tx.SetRepoBackfill(ctx, did(3), store.BackfillPending, 2, retry, "getRepo: 502")
	}); err != nil {
		t.Fatal(err)
	}
	// Rediscovered repositories keep their state; new ones are added.
	added, err = s.AddBackfillRepos(ctx, []syntax.DID{did(1), did(3), did(4)})
	if err != nil || added != 1 {
		t.Fatalf("AddBackfillRepos again = %d, %v; want 1 (did 4)", added, err)
	}
	counts(store.BackfillCounts{Pending: 3, Done: 1})

	var all []store.RepoState
	after := syntax.DID("")
	for {
		page, err := s.PendingBackfillRepos(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		after = page[len(page)-1].DID
	}
	var dids []syntax.DID
	for _, rs := range all {
		dids = append(dids, rs.DID)
	}
	if want := []syntax.DID{did(2), did(3), did(4)}; !slices.Equal(dids, want) {
		t.Fatalf("pending = %v, want %v", dids, want)
	}
	if rs := all[0]; rs.Rev != "3jzfcijpj2z2a" || rs.Backfill != store.BackfillPending || rs.Attempts != 0 {
		t.Errorf("did 2 = %+v: want its rev kept, pending", rs)
	}
	if rs := all[1]; rs.Attempts != 2 || !rs.RetryAfter.Equal(retry.Truncate(time.Microsecond)) || rs.Error != "getRepo: 502" {
		t.Errorf("did 3 = %+v: want 2 attempts, retry after %v, the error", rs, retry)
	}
	if rs := all[2]; !rs.RetryAfter.Before(t0) {
		t.Errorf("did 4 retry after %v: want the zero time", rs.RetryAfter)
	}
	for _, st := range []store.BackfillState{store.BackfillSkipped, store.BackfillFailed} {
		d := did(2)
		if st == store.BackfillFailed {
			d = did(3)
		}
		if err := s.SetRepoBackfill(ctx, d, st, 5, time.Time{}, ""); err != nil {
			t.Fatal(err)
		}
	}
	counts(store.BackfillCounts{Pending: 1, Done: 1, Skipped: 1, Failed: 1})
	if _, err := s.PendingBackfillRepos(ctx, "", 0); err == nil {
		t.Error("PendingBackfillRepos with limit 0: no error")
	}

	if err := s.ResetBackfill(ctx); err != nil {
		t.Fatal(err)
	}
	counts(store.BackfillCounts{})
	if rs, err := s.RepoState(ctx, did(2)); err != nil || rs.Rev != "3jzfcijpj2z2a" || rs.Attempts != 0 {
		t.Errorf("after reset: %+v, %v; want the rev kept, no attempts", rs, err)
	}
	if added, err := s.AddBackfillRepos(ctx, []syntax.DID{did(1)}); err != nil || added != 1 {
		t.Errorf("after reset a done repository is added again: %d, %v", added, err)
	}
}
