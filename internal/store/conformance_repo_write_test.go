package store_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store"
)

func testWriteAtRev(t *testing.T, s *store.Store) {
	ctx := t.Context()
	write := func(rev string, orSame bool, fail error) (ran, applied bool, err error) {
		err = s.InTx(ctx, func(tx *store.Tx) error {
			var err error
			applied, err = tx.WriteAtRev(ctx, did(1), rev, orSame, func() error {
				ran = true
				if fail != nil {
					return fail
				}
				return tx.UpsertStatus(ctx, newStatus(did(1), rev, "🦋", t0, t0))
			})
			return err
		})
		return ran, applied, err
	}
	if ran, applied, err := write("3jzfcijpj2z2b", false, nil); err != nil || !ran || !applied {
		t.Fatalf("first commit: ran %v, applied %v, %v", ran, applied, err)
	}
	if ran, applied, err := write("3jzfcijpj2z2a", false, nil); err != nil || ran || applied {
		t.Errorf("older commit: ran %v, applied %v, %v; want not run", ran, applied, err)
	}
	if ran, applied, err := write("3jzfcijpj2z2b", true, nil); err != nil || !ran || !applied {
		t.Errorf("snapshot at the same rev: ran %v, applied %v, %v; want run", ran, applied, err)
	}
	// A failing write rolls the revision back with it.
	if _, _, err := write("3jzfcijpj2z2c", false, errRollback); !errors.Is(err, errRollback) {
		t.Fatalf("failing write: %v", err)
	}
	if rs, err := s.RepoState(ctx, did(1)); err != nil || rs.Rev != "3jzfcijpj2z2b" {
		t.Errorf("after a failed write the rev is %q (%v), want 3jzfcijpj2z2b", rs.Rev, err)
	}
	if _, err := s.Status(ctx, uri(did(1), "3jzfcijpj2z2c")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the failed write's row: %v, want not found", err)
	}
}

func testReplaceStatuses(t *testing.T, s *store.Store) {
	ctx := t.Context()
	mustUpsert(t, s,
		newStatus(did(1), "3jzfcijpj2z2a", "👍", t0, t0), // gone from the repository
		newStatus(did(1), "3jzfcijpj2z2b", "🎉", t0, t0), // invalid now
		newStatus(did(1), "3jzfcijpj2z2c", "🐢", t0, t0), // updated
		newStatus(did(2), "3jzfcijpj2z2d", "🦋", t0, t0)) // another author
	keep := newStatus(did(1), "3jzfcijpj2z2c", "🌻", t0, t0)
	added := newStatus(did(1), "3jzfcijpj2z2e", "🙂", t0, t0)
	var removed []syntax.ATURI
	err := s.InTx(ctx, func(tx *store.Tx) error {
		var err error
		removed, err = tx.ReplaceStatuses(ctx, did(1), []store.Status{keep, added}, []syntax.ATURI{uri(did(1), "3jzfcijpj2z2b")})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []syntax.ATURI{uri(did(1), "3jzfcijpj2z2a")}; !slices.Equal(removed, want) {
		t.Errorf("removed %v, want %v (invalid records are not reported as removed)", removed, want)
	}
	got, err := s.StatusURIsByAuthor(ctx, did(1))
	if err != nil {
		t.Fatal(err)
	}
	if want := []syntax.ATURI{keep.URI, added.URI}; !slices.Equal(got, want) {
		t.Errorf("author's rows %v, want %v", got, want)
	}
	if st, err := s.Status(ctx, keep.URI); err != nil || st.Status != "🌻" {
		t.Errorf("updated row %+v, %v", st, err)
	}
	if other, err := s.StatusURIsByAuthor(ctx, did(2)); err != nil || len(other) != 1 {
		t.Errorf("another author's rows: %v, %v", other, err)
	}
}

func testRequeueFailedBackfillRepos(t *testing.T, s *store.Store) {
	ctx := t.Context()
	if _, err := s.AddBackfillRepos(ctx, []syntax.DID{did(1), did(2), did(3)}); err != nil {
		t.Fatal(err)
	}
	for i, at := range map[int]time.Time{1: t0, 2: t0.Add(time.Hour)} {
		if err := s.SetRepoBackfill(ctx, did(i), store.BackfillFailed, 5, at, "getRepo: 502"); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.RequeueFailedBackfillRepos(ctx, t0.Add(time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("RequeueFailedBackfillRepos = %d, %v; want 1 (the one due)", n, err)
	}
	rs, err := s.RepoState(ctx, did(1))
	if err != nil || rs.Backfill != store.BackfillPending || rs.Attempts != 5 {
		t.Errorf("requeued repository %+v (%v): want pending, attempts kept", rs, err)
	}
	if got, _ := s.BackfillCounts(ctx); got != (store.BackfillCounts{Pending: 2, Failed: 1}) {
		t.Errorf("counts %+v, want 2 pending (did 1 and 3), 1 failed (not due yet)", got)
	}
}
