package store_test

import (
	"testing"
	"time"

	"github.com/statusphere/statusphere/internal/store"
)

func testLeaseTakeOver(t *testing.T, s *store.Store) {
	ctx := t.Context()
	_, _, err := s.Lease(ctx, "ingest")
	wantNotFound(t, "Lease before any", err)
	if ok, err := s.AcquireLease(ctx, "ingest", "host-1-aaaa", time.Minute, t0); err != nil || !ok {
		t.Fatalf("acquire: %v, %v", ok, err)
	}
	holder, exp, err := s.Lease(ctx, "ingest")
	if err != nil || holder != "host-1-aaaa" || !exp.Equal(t0.Add(time.Minute).Truncate(time.Microsecond)) {
		t.Errorf("Lease = %q, %v, %v", holder, exp, err)
	}
	// Only from the holder named: a second taker loses the race.
	if ok, err := s.TakeOverLease(ctx, "ingest", "host-9-zzzz", "host-2-bbbb", time.Minute, t0); err != nil || ok {
		t.Errorf("take over from a holder that does not hold it: %v, %v", ok, err)
	}
	if ok, err := s.TakeOverLease(ctx, "ingest", "host-1-aaaa", "host-2-bbbb", time.Minute, t0); err != nil || !ok {
		t.Fatalf("take over a live lease from its dead holder: %v, %v", ok, err)
	}
	if ok, err := s.TakeOverLease(ctx, "ingest", "host-1-aaaa", "host-3-cccc", time.Minute, t0); err != nil || ok {
		t.Errorf("second take over from the same dead holder: %v, %v", ok, err)
	}
	if holder, _, _ := s.Lease(ctx, "ingest"); holder != "host-2-bbbb" {
		t.Errorf("holder %q, want host-2-bbbb", holder)
	}
}
