package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/pgtest"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/store/storetest"
)

// conformanceCase is one behaviour every dialect must show.
type conformanceCase struct {
	name string
	run  func(t *testing.T, s *store.Store)
}

// TestStoreConformance runs every case on a fresh SQLite file
// (sqlite/<case>) and on a fresh database of a real PostgreSQL server
// (postgres/<case>).
func TestStoreConformance(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			if dialect == "postgres" {
				pgtest.Start(t) // keeps one server up for all the cases
			}
			for _, c := range conformanceCases {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					s := storetest.Open(t, dialect)
					if got := s.Dialect(); got != dialect {
						t.Fatalf("Dialect() = %q, want %q", got, dialect)
					}
					c.run(t, s)
				})
			}
		})
	}
}

var conformanceCases = []conformanceCase{
	{"ping_and_stats", testPingAndStats},
	{"status_upsert_twice", testStatusUpsertTwice},
	{"status_stale_rev_ignored", testStatusStaleRev},
	{"status_delete", testStatusDelete},
	{"status_record_bytes_exact", testStatusRecordBytes},
	{"status_times_microsecond_utc", testStatusTimes},
	{"timeline_order_and_limit", testTimelineOrderLimit},
	{"timeline_before", testTimelineBefore},
	{"timeline_after_key", testTimelineAfterKey},
	{"timeline_hidden_accounts", testTimelineHiddenAccounts},
	{"timeline_handle_join", testTimelineHandles},
	{"latest_status", testLatestStatus},
	{"identity", testIdentity},
	{"dids_without_identity", testDIDsWithoutIdentity},
	{"cursor", testCursor},
	{"tx_commit", testTxCommit},
	{"tx_rollback", testTxRollback},
	{"tx_panic_rolls_back", testTxPanic},
	{"concurrent_writes", testConcurrentWrites},
	{"oauth_session_overwrite", testOAuthSession},
	{"auth_request_prune", testAuthRequests},
	{"web_session_expiry", testWebSession},
	{"lease", testLease},
	{"lease_one_winner", testLeaseOneWinner},
	{"lease_take_over", testLeaseTakeOver},
	{"repo_rev_advance", testRepoRevAdvance},
	{"repo_rev_serialized", testRepoRevSerialized},
	{"status_uris_by_author", testStatusURIsByAuthor},
	{"tx_write_at_rev", testWriteAtRev},
	{"tx_replace_statuses", testReplaceStatuses},
	{"requeue_failed_backfill_repos", testRequeueFailedBackfillRepos},
	{"note_join", testNoteJoin},
	{"note_upsert_delete", testNoteUpsertDelete},
	{"tx_replace_notes", testReplaceNotes},
	{"backfill_run", testBackfillRun},
	{"backfill_repos", testBackfillRepos},
}

// t0 has sub-microsecond digits on purpose: stores keep microseconds.
var t0 = time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC)

func did(n int) syntax.DID { return syntax.DID(fmt.Sprintf("did:plc:user%04d", n)) }

func uri(author syntax.DID, rkey string) syntax.ATURI {
	return syntax.ATURI("at://" + string(author) + "/xyz.statusphere.status/" + rkey)
}

// newStatus returns a status by author with record key rkey, created and
// indexed at the given times.
func newStatus(author syntax.DID, rkey, emoji string, createdAt, indexedAt time.Time) store.Status {
	created := createdAt.UTC().Format(time.RFC3339Nano)
	return store.Status{
		URI:       uri(author, rkey),
		AuthorDID: author,
		RKey:      syntax.RecordKey(rkey),
		Status:    emoji,
		CID:       "bafyreib" + rkey,
		Rev:       "",
		Record:    []byte(`{"$type":"xyz.statusphere.status","status":"` + emoji + `","createdAt":"` + created + `"}`),
		CreatedAt: createdAt,
		IndexedAt: indexedAt,
	}
}

func mustUpsert(t *testing.T, s *store.Store, sts ...store.Status) {
	t.Helper()
	for _, st := range sts {
		if err := s.UpsertStatus(t.Context(), st); err != nil {
			t.Fatal(err)
		}
	}
}

// wantStored compares a stored status with what was written, at the
// precision stores keep.
func wantStored(t *testing.T, got, want store.Status) {
	t.Helper()
	want.CreatedAt = want.CreatedAt.UTC().Truncate(time.Microsecond)
	want.IndexedAt = want.IndexedAt.UTC().Truncate(time.Microsecond)
	if got.URI != want.URI || got.AuthorDID != want.AuthorDID || got.RKey != want.RKey ||
		got.Status != want.Status || got.CID != want.CID || got.Rev != want.Rev ||
		!bytes.Equal(got.Record, want.Record) ||
		!got.CreatedAt.Equal(want.CreatedAt) || !got.IndexedAt.Equal(want.IndexedAt) {
		t.Errorf("stored status:\n got %+v\nwant %+v", got, want)
	}
}

func timelineURIs(entries []store.TimelineEntry) []syntax.ATURI {
	var uris []syntax.ATURI
	for _, e := range entries {
		uris = append(uris, e.URI)
	}
	return uris
}

func mustTimeline(t *testing.T, s *store.Store, limit int, before time.Time) []store.TimelineEntry {
	t.Helper()
	entries, err := s.Timeline(t.Context(), limit, before)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func wantURIs(t *testing.T, what string, got []store.TimelineEntry, want ...syntax.ATURI) {
	t.Helper()
	if g := timelineURIs(got); !slices.Equal(g, want) {
		t.Errorf("%s:\n got %v\nwant %v", what, g, want)
	}
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s: err = %v, want ErrNotFound", what, err)
	}
}

func testPingAndStats(t *testing.T, s *store.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.MaxOpenConnections <= 0 || st.OpenConnections <= 0 {
		t.Errorf("Stats() = %+v, want open connections and a limit", st)
	}
	n, err := s.CountStatuses(t.Context())
	if err != nil || n != 0 {
		t.Errorf("CountStatuses on a new store = %d, %v; want 0", n, err)
	}
}

func testStatusUpsertTwice(t *testing.T, s *store.Store) {
	ctx := t.Context()
	// The optimistic write: no CID, no rev yet.
	first := newStatus(did(1), "3jzfcijpj2z2a", "👍", t0, t0)
	first.CID = ""
	mustUpsert(t, s, first)

	// The firehose event for the same record, later, with more fields.
	second := first
	second.Status = "🎉"
	second.CID = "bafyreisecond"
	second.Rev = "3jzfcijpj2z2b"
	second.Record = []byte(`{"$type":"xyz.statusphere.status","status":"🎉","createdAt":"2026-03-14T15:09:27Z"}`)
	second.CreatedAt = t0.Add(time.Second)
	second.IndexedAt = t0.Add(time.Minute)
	mustUpsert(t, s, second)

	if n, err := s.CountStatuses(ctx); err != nil || n != 1 {
		t.Fatalf("CountStatuses = %d, %v; want 1 row", n, err)
	}
	got, err := s.Status(ctx, first.URI)
	if err != nil {
		t.Fatal(err)
	}
	want := second
	want.IndexedAt = first.IndexedAt // the row keeps its place in the timeline
	wantStored(t, got, want)
}

func testStatusStaleRev(t *testing.T, s *store.Store) {
	ctx := t.Context()
	st := newStatus(did(1), "3jzfcijpj2z2a", "👍", t0, t0)
	st.Rev = "3jzfcijpj2z2c"
	mustUpsert(t, s, st)

	stale := st
	stale.Status, stale.Rev = "😴", "3jzfcijpj2z2b"
	mustUpsert(t, s, stale)
	got, err := s.Status(ctx, st.URI)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "👍" || got.Rev != st.Rev {
		t.Errorf("after a write with an older rev: status %q rev %q, want the newer %q %q", got.Status, got.Rev, "👍", st.Rev)
	}

	newer := st
	newer.Status, newer.Rev = "🚀", "3jzfcijpj2z2d"
	mustUpsert(t, s, newer)
	if got, err := s.Status(ctx, st.URI); err != nil || got.Status != "🚀" || got.Rev != newer.Rev {
		t.Errorf("after a write with a newer rev: %q %q, %v; want 🚀 %q", got.Status, got.Rev, err, newer.Rev)
	}
}

func testStatusDelete(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newStatus(did(1), "3jzfcijpj2z2a", "👍", t0, t0)
	b := newStatus(did(1), "3jzfcijpj2z2b", "🎉", t0, t0)
	mustUpsert(t, s, a, b)
	if err := s.DeleteStatus(ctx, a.URI); err != nil {
		t.Fatal(err)
	}
	_, err := s.Status(ctx, a.URI)
	wantNotFound(t, "Status after delete", err)
	if _, err := s.Status(ctx, b.URI); err != nil {
		t.Errorf("the other status: %v", err)
	}
	if err := s.DeleteStatus(ctx, a.URI); err != nil {
		t.Errorf("deleting an absent status: %v, want nil", err)
	}
	wantURIs(t, "timeline after delete", mustTimeline(t, s, 10, time.Time{}), b.URI)
}

func testStatusRecordBytes(t *testing.T, s *store.Store) {
	ctx := t.Context()
	st := newStatus(did(1), "3jzfcijpj2z2a", "🦋", t0, t0)
	// Off-schema fields, odd key order, whitespace, escapes, a NUL escape:
	// all must come back byte for byte.
	st.Record = []byte("{ \"status\" : \"🦋\",\n\t\"$type\":\"xyz.statusphere.status\", \"createdAt\":\"2026-03-14T15:09:26.535Z\"," +
		"\"com.example.mood\":{\"level\":3,\"tags\":[\"a\",\"\\u0000\",\"é\"]},\"n\":1.50e+3 }")
	mustUpsert(t, s, st)
	got, err := s.Status(ctx, st.URI)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Record, st.Record) {
		t.Errorf("record bytes changed:\n got %q\nwant %q", got.Record, st.Record)
	}
	entries := mustTimeline(t, s, 1, time.Time{})
	if len(entries) != 1 || !bytes.Equal(entries[0].Record, st.Record) {
		t.Errorf("timeline record bytes changed: %v", entries)
	}
}

func testStatusTimes(t *testing.T, s *store.Store) {
	ctx := t.Context()
	zone := time.FixedZone("UTC-7", -7*3600)
	created := time.Date(2024, 2, 29, 23, 59, 59, 999999999, zone) // nanoseconds are dropped, not rounded
	indexed := time.Date(1999, 12, 31, 23, 0, 0, 1000, zone)       // one microsecond
	st := newStatus(did(1), "3jzfcijpj2z2a", "⏰", created, indexed)
	mustUpsert(t, s, st)
	got, err := s.Status(ctx, st.URI)
	if err != nil {
		t.Fatal(err)
	}
	wantCreated := time.Date(2024, 3, 1, 6, 59, 59, 999999000, time.UTC)
	wantIndexed := time.Date(2000, 1, 1, 6, 0, 0, 1000, time.UTC)
	if !got.CreatedAt.Equal(wantCreated) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt = %v (%v), want %v in UTC", got.CreatedAt, got.CreatedAt.Location(), wantCreated)
	}
	if !got.IndexedAt.Equal(wantIndexed) || got.IndexedAt.Location() != time.UTC {
		t.Errorf("IndexedAt = %v (%v), want %v in UTC", got.IndexedAt, got.IndexedAt.Location(), wantIndexed)
	}
}

func testTimelineOrderLimit(t *testing.T, s *store.Store) {
	// e and f share an instant: the URI breaks the tie.
	a := newStatus(did(1), "a", "1", t0, t0.Add(1*time.Second))
	b := newStatus(did(2), "b", "2", t0, t0.Add(3*time.Second))
	c := newStatus(did(3), "c", "3", t0, t0.Add(2*time.Second))
	d := newStatus(did(1), "d", "4", t0, t0.Add(time.Microsecond))
	e := newStatus(did(2), "e", "5", t0, t0.Add(4*time.Second))
	f := newStatus(did(1), "f", "6", t0, t0.Add(4*time.Second))
	mustUpsert(t, s, a, b, c, d, e, f)
	// did(1) < did(2), so f's URI sorts before e's.
	wantURIs(t, "timeline", mustTimeline(t, s, 10, time.Time{}), f.URI, e.URI, b.URI, c.URI, a.URI, d.URI)
	wantURIs(t, "timeline limit 3", mustTimeline(t, s, 3, time.Time{}), f.URI, e.URI, b.URI)
	if _, err := s.Timeline(t.Context(), 0, time.Time{}); err == nil {
		t.Errorf("Timeline with limit 0: no error")
	}
}

func testTimelineBefore(t *testing.T, s *store.Store) {
	var all []syntax.ATURI
	for i := range 7 {
		st := newStatus(did(i), fmt.Sprintf("r%d", i), "x", t0, t0.Add(time.Duration(i)*time.Second))
		mustUpsert(t, s, st)
		all = append([]syntax.ATURI{st.URI}, all...) // newest first
	}
	page1 := mustTimeline(t, s, 3, time.Time{})
	wantURIs(t, "page 1", page1, all[:3]...)
	page2 := mustTimeline(t, s, 3, page1[len(page1)-1].IndexedAt)
	wantURIs(t, "page 2", page2, all[3:6]...)
	page3 := mustTimeline(t, s, 3, page2[len(page2)-1].IndexedAt)
	wantURIs(t, "page 3", page3, all[6:]...)
	page4 := mustTimeline(t, s, 3, page3[len(page3)-1].IndexedAt)
	wantURIs(t, "page 4", page4)
	if page4 == nil {
		t.Errorf("an empty page is nil, want an empty slice")
	}
	// before is exclusive, and compared at microsecond precision: t0+3s
	// (with its nanoseconds) is not before the stored copy of itself.
	wantURIs(t, "before t0+3s", mustTimeline(t, s, 1, t0.Add(3*time.Second)), all[4])
	wantURIs(t, "before t0+3s+1µs", mustTimeline(t, s, 1, t0.Add(3*time.Second+time.Microsecond)), all[3])
}

func testTimelineAfterKey(t *testing.T, s *store.Store) {
	// Ten statuses at three instants: paging by time alone would lose ties.
	for i := range 10 {
		at := t0.Add(time.Duration(i/4) * time.Second)
		mustUpsert(t, s, newStatus(did(i), "r", "x", t0, at))
	}
	all := mustTimeline(t, s, 100, time.Time{})
	want := timelineURIs(all)
	var got []syntax.ATURI
	var key store.TimelineKey
	for range 10 {
		page, err := s.TimelineAfter(t.Context(), 3, key)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		got = append(got, timelineURIs(page)...)
		key = page[len(page)-1].Key()
	}
	if !slices.Equal(got, want) {
		t.Errorf("paging with TimelineAfter:\n got %v\nwant %v", got, want)
	}
}

func testTimelineHiddenAccounts(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a1 := newStatus(did(1), "a1", "1", t0, t0.Add(1*time.Second))
	b1 := newStatus(did(2), "b1", "2", t0, t0.Add(2*time.Second))
	a2 := newStatus(did(1), "a2", "3", t0, t0.Add(3*time.Second))
	mustUpsert(t, s, a1, b1, a2)
	// An active account row changes nothing.
	if err := s.SetAccountStatus(ctx, did(2), true, ""); err != nil {
		t.Fatal(err)
	}
	wantURIs(t, "all active", mustTimeline(t, s, 10, time.Time{}), a2.URI, b1.URI, a1.URI)

	if err := s.SetAccountStatus(ctx, did(1), false, "takendown"); err != nil {
		t.Fatal(err)
	}
	wantURIs(t, "did(1) hidden", mustTimeline(t, s, 10, time.Time{}), b1.URI)
	wantURIs(t, "did(1) hidden, page before b1", mustTimeline(t, s, 10, b1.IndexedAt))
	if n, err := s.CountStatuses(ctx); err != nil || n != 3 {
		t.Errorf("CountStatuses with an account hidden = %d, %v; want 3 (hidden, not deleted)", n, err)
	}
	if _, err := s.Status(ctx, a1.URI); err != nil {
		t.Errorf("a hidden account's status is gone: %v", err)
	}

	if err := s.SetAccountStatus(ctx, did(1), true, ""); err != nil {
		t.Fatal(err)
	}
	wantURIs(t, "did(1) reactivated", mustTimeline(t, s, 10, time.Time{}), a2.URI, b1.URI, a1.URI)
}

func testTimelineHandles(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newStatus(did(1), "a", "1", t0, t0.Add(2*time.Second))
	b := newStatus(did(2), "b", "2", t0, t0.Add(1*time.Second))
	mustUpsert(t, s, a, b)
	if err := s.UpsertIdentity(ctx, store.Identity{DID: did(1), Handle: "alice.test", VerifiedAt: t0}); err != nil {
		t.Fatal(err)
	}
	entries := mustTimeline(t, s, 10, time.Time{})
	wantURIs(t, "timeline", entries, a.URI, b.URI)
	if len(entries) == 2 && (entries[0].Handle != "alice.test" || entries[1].Handle != "") {
		t.Errorf("handles = %q, %q; want alice.test and none", entries[0].Handle, entries[1].Handle)
	}
	wantStored(t, entries[0].Status, a)
}

func testLatestStatus(t *testing.T, s *store.Store) {
	ctx := t.Context()
	// Newest by createdAt, whatever the order they were indexed in.
	older := newStatus(did(1), "a", "1", t0, t0.Add(time.Hour))
	newer := newStatus(did(1), "b", "2", t0.Add(time.Minute), t0)
	other := newStatus(did(2), "c", "3", t0.Add(time.Hour), t0)
	mustUpsert(t, s, older, newer, other)
	got, err := s.LatestStatus(ctx, did(1))
	if err != nil {
		t.Fatal(err)
	}
	wantStored(t, got, newer)
	_, err = s.LatestStatus(ctx, did(3))
	wantNotFound(t, "LatestStatus of an author with none", err)
}

func testIdentity(t *testing.T, s *store.Store) {
	ctx := t.Context()
	_, err := s.Identity(ctx, did(1))
	wantNotFound(t, "Identity before any", err)
	id := store.Identity{DID: did(1), Handle: "alice.test", VerifiedAt: t0}
	if err := s.UpsertIdentity(ctx, id); err != nil {
		t.Fatal(err)
	}
	id.Handle, id.VerifiedAt = "alice.example.com", t0.Add(time.Hour)
	if err := s.UpsertIdentity(ctx, id); err != nil {
		t.Fatal(err)
	}
	got, err := s.Identity(ctx, did(1))
	if err != nil {
		t.Fatal(err)
	}
	if got.DID != id.DID || got.Handle != id.Handle || !got.VerifiedAt.Equal(id.VerifiedAt.Truncate(time.Microsecond)) {
		t.Errorf("Identity = %+v, want %+v", got, id)
	}
}

func testDIDsWithoutIdentity(t *testing.T, s *store.Store) {
	ctx := t.Context()
	if err := s.UpsertIdentity(ctx, store.Identity{DID: did(2), Handle: "bob.test", VerifiedAt: t0}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 4; i++ {
		// Two statuses each: every DID must come back once.
		mustUpsert(t, s, newStatus(did(i), "a", "x", t0, t0), newStatus(did(i), "b", "y", t0, t0))
	}
	// An author whose lookup failed is not listed until it is due again.
	mustUpsert(t, s, newStatus(did(5), "c", "z", t0, t0.Add(-time.Hour)))
	if err := s.DeferIdentity(ctx, did(5), t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := s.PendingIdentities(ctx, t0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := []syntax.DID{did(1), did(3), did(4)}; !slices.Equal(got, want) {
		t.Errorf("PendingIdentities = %v, want %v", got, want)
	}
	got, err = s.PendingIdentities(ctx, t0.Add(2*time.Hour), 10)
	if want := []syntax.DID{did(1), did(3), did(4), did(5)}; err != nil || !slices.Equal(got, want) {
		t.Errorf("PendingIdentities(later) = %v, %v; want %v", got, err, want)
	}
	got, err = s.PendingIdentities(ctx, t0, 2)
	if err != nil || len(got) != 2 {
		t.Errorf("PendingIdentities(2) = %v, %v; want 2 DIDs", got, err)
	}
	// Storing an identity, with or without a handle, takes it off the queue.
	for _, id := range []store.Identity{{DID: did(1), Handle: "alice.test", VerifiedAt: t0}, {DID: did(3), VerifiedAt: t0}} {
		if err := s.UpsertIdentity(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	got, err = s.PendingIdentities(ctx, t0, 10)
	if want := []syntax.DID{did(4)}; err != nil || !slices.Equal(got, want) {
		t.Errorf("PendingIdentities(after upserts) = %v, %v; want %v", got, err, want)
	}
}

func testCursor(t *testing.T, s *store.Store) {
	ctx := t.Context()
	_, err := s.Cursor(ctx, "relay:bsky.network")
	wantNotFound(t, "Cursor before any", err)
	for _, c := range []int64{42, 1 << 40, 7} {
		if err := s.SetCursor(ctx, "relay:bsky.network", c); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Cursor(ctx, "relay:bsky.network"); err != nil || got != c {
			t.Errorf("Cursor = %d, %v; want %d", got, err, c)
		}
	}
	if err := s.SetCursor(ctx, "jetstream:example", 9); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Cursor(ctx, "relay:bsky.network"); err != nil || got != 7 {
		t.Errorf("another source's cursor changed this one: %d, %v", got, err)
	}
}

func testTxCommit(t *testing.T, s *store.Store) {
	ctx := t.Context()
	gone := newStatus(did(1), "gone", "x", t0, t0)
	mustUpsert(t, s, gone)
	st := newStatus(did(1), "a", "👍", t0, t0)
	err := s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpsertStatus(ctx, st); err != nil {
			return err
		}
		if err := tx.DeleteStatus(ctx, gone.URI); err != nil {
			return err
		}
		if err := tx.UpsertIdentity(ctx, store.Identity{DID: did(1), Handle: "alice.test", VerifiedAt: t0}); err != nil {
			return err
		}
		if err := tx.SetAccountStatus(ctx, did(2), false, "suspended"); err != nil {
			return err
		}
		// The transaction reads its own writes.
		if _, err := tx.Status(ctx, st.URI); err != nil {
			return fmt.Errorf("read inside tx: %w", err)
		}
		return tx.SetCursor(ctx, "relay:test", 100)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Status(ctx, st.URI)
	if err != nil {
		t.Fatal(err)
	}
	wantStored(t, got, st)
	if _, err := s.Status(ctx, gone.URI); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("status deleted in the tx: %v", err)
	}
	if c, err := s.Cursor(ctx, "relay:test"); err != nil || c != 100 {
		t.Errorf("Cursor = %d, %v; want 100", c, err)
	}
	if id, err := s.Identity(ctx, did(1)); err != nil || id.Handle != "alice.test" {
		t.Errorf("Identity = %+v, %v", id, err)
	}
}

func testTxRollback(t *testing.T, s *store.Store) {
	ctx := t.Context()
	if err := s.SetCursor(ctx, "relay:test", 5); err != nil {
		t.Fatal(err)
	}
	st := newStatus(did(1), "a", "👍", t0, t0)
	boom := errors.New("boom")
	err := s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpsertStatus(ctx, st); err != nil {
			return err
		}
		if err := tx.SetCursor(ctx, "relay:test", 6); err != nil {
			return err
		}
		if err := tx.SetCursor(ctx, "relay:other", 1); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v, want fn's error", err)
	}
	_, err = s.Status(ctx, st.URI)
	wantNotFound(t, "status written in a rolled-back tx", err)
	if c, err := s.Cursor(ctx, "relay:test"); err != nil || c != 5 {
		t.Errorf("Cursor after rollback = %d, %v; want the old 5", c, err)
	}
	_, err = s.Cursor(ctx, "relay:other")
	wantNotFound(t, "cursor first set in a rolled-back tx", err)
	// The store still works: the write connection was given back.
	mustUpsert(t, s, st)
}

func testTxPanic(t *testing.T, s *store.Store) {
	ctx := t.Context()
	st := newStatus(did(1), "a", "👍", t0, t0)
	func() {
		defer func() {
			if recover() == nil {
				t.Errorf("InTx swallowed fn's panic")
			}
		}()
		s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.UpsertStatus(ctx, st); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	_, err := s.Status(ctx, st.URI)
	wantNotFound(t, "status written before a panic", err)
	mustUpsert(t, s, st)
}

// testConcurrentWrites writes from many goroutines at once, alone and in
// transactions, with reads in between: none may fail (on SQLite: no
// SQLITE_BUSY).
func testConcurrentWrites(t *testing.T, s *store.Store) {
	ctx := t.Context()
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				st := newStatus(did(w), fmt.Sprintf("r%03d", i), "x", t0, t0.Add(time.Duration(i)*time.Millisecond))
				var err error
				if i%2 == 0 {
					err = s.UpsertStatus(ctx, st)
				} else {
					err = s.InTx(ctx, func(tx *store.Tx) error {
						if err := tx.UpsertStatus(ctx, st); err != nil {
							return err
						}
						return tx.SetCursor(ctx, "relay:test", int64(w*each+i))
					})
				}
				if err == nil {
					_, err = s.Timeline(ctx, 5, time.Time{})
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n, err := s.CountStatuses(ctx); err != nil || n != workers*each {
		t.Errorf("CountStatuses = %d, %v; want %d", n, err, workers*each)
	}
}

func testOAuthSession(t *testing.T, s *store.Store) {
	ctx := t.Context()
	_, err := s.OAuthSession(ctx, did(1), "sess1")
	wantNotFound(t, "OAuthSession before any", err)
	v1 := []byte(`{"access_token":"one","dpop_key":"k"}`)
	v2 := []byte(`{"access_token":"two","dpop_key":"k","extra":true}`)
	other := []byte(`{"access_token":"other"}`)
	for _, save := range []struct {
		did  syntax.DID
		id   string
		data []byte
	}{{did(1), "sess1", v1}, {did(1), "sess2", other}, {did(1), "sess1", v2}} {
		if err := s.SaveOAuthSession(ctx, save.did, save.id, save.data); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.OAuthSession(ctx, did(1), "sess1"); err != nil || !bytes.Equal(got, v2) {
		t.Errorf("OAuthSession after overwrite = %s, %v; want %s", got, err, v2)
	}
	if got, err := s.OAuthSession(ctx, did(1), "sess2"); err != nil || !bytes.Equal(got, other) {
		t.Errorf("the other session = %s, %v; want %s", got, err, other)
	}
	_, err = s.OAuthSession(ctx, did(2), "sess1")
	wantNotFound(t, "same session ID, other DID", err)
	if err := s.DeleteOAuthSession(ctx, did(1), "sess1"); err != nil {
		t.Fatal(err)
	}
	_, err = s.OAuthSession(ctx, did(1), "sess1")
	wantNotFound(t, "OAuthSession after delete", err)
	if err := s.DeleteOAuthSession(ctx, did(1), "sess1"); err != nil {
		t.Errorf("deleting an absent session: %v", err)
	}
}

func testAuthRequests(t *testing.T, s *store.Store) {
	ctx := t.Context()
	_, err := s.AuthRequest(ctx, "nope")
	wantNotFound(t, "AuthRequest before any", err)
	for i, state := range []string{"s0", "s1", "s2", "s3"} {
		data := []byte(fmt.Sprintf(`{"state":%q}`, state))
		if err := s.SaveAuthRequest(ctx, state, data, t0.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.AuthRequest(ctx, "s1"); err != nil || string(got) != `{"state":"s1"}` {
		t.Errorf("AuthRequest = %s, %v", got, err)
	}
	// Created strictly before t0+2m: s0 and s1.
	n, err := s.PruneAuthRequests(ctx, t0.Add(2*time.Minute))
	if err != nil || n != 2 {
		t.Errorf("PruneAuthRequests = %d, %v; want 2", n, err)
	}
	for _, state := range []string{"s0", "s1"} {
		_, err := s.AuthRequest(ctx, state)
		wantNotFound(t, "pruned request "+state, err)
	}
	if _, err := s.AuthRequest(ctx, "s2"); err != nil {
		t.Errorf("request s2 pruned too early: %v", err)
	}
	if err := s.DeleteAuthRequest(ctx, "s2"); err != nil {
		t.Fatal(err)
	}
	_, err = s.AuthRequest(ctx, "s2")
	wantNotFound(t, "AuthRequest after delete", err)
	if err := s.DeleteAuthRequest(ctx, "s2"); err != nil {
		t.Errorf("deleting an absent request: %v", err)
	}
}

func testWebSession(t *testing.T, s *store.Store) {
	ctx := t.Context()
	ws := store.WebSession{ID: "hash1", DID: did(1), OAuthSessionID: "sess1", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := s.CreateWebSession(ctx, ws); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateWebSession(ctx, ws); err == nil {
		t.Errorf("creating a session with an existing ID: no error")
	}
	old := store.WebSession{ID: "hash0", DID: did(2), OAuthSessionID: "s", CreatedAt: t0.Add(-2 * time.Hour), ExpiresAt: t0.Add(-time.Hour)}
	if err := s.CreateWebSession(ctx, old); err != nil {
		t.Fatal(err)
	}

	got, err := s.WebSession(ctx, "hash1", t0.Add(59*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != ws.ID || got.DID != ws.DID || got.OAuthSessionID != ws.OAuthSessionID ||
		!got.CreatedAt.Equal(ws.CreatedAt.Truncate(time.Microsecond)) || !got.ExpiresAt.Equal(ws.ExpiresAt.Truncate(time.Microsecond)) {
		t.Errorf("WebSession = %+v, want %+v", got, ws)
	}
	exp := ws.ExpiresAt.Truncate(time.Microsecond)
	if _, err := s.WebSession(ctx, "hash1", exp.Add(-time.Nanosecond)); err != nil {
		t.Errorf("session 1ns before expiry: %v", err)
	}
	_, err = s.WebSession(ctx, "hash1", exp)
	wantNotFound(t, "session at its expiry", err)
	_, err = s.WebSession(ctx, "hash0", t0)
	wantNotFound(t, "expired session", err)
	_, err = s.WebSession(ctx, "nope", t0)
	wantNotFound(t, "absent session", err)

	n, err := s.PruneWebSessions(ctx, t0)
	if err != nil || n != 1 {
		t.Errorf("PruneWebSessions = %d, %v; want 1", n, err)
	}
	if err := s.DeleteWebSession(ctx, "hash1"); err != nil {
		t.Fatal(err)
	}
	_, err = s.WebSession(ctx, "hash1", t0)
	wantNotFound(t, "session after logout", err)
	if err := s.DeleteWebSession(ctx, "hash1"); err != nil {
		t.Errorf("deleting an absent session: %v", err)
	}
}

func testLease(t *testing.T, s *store.Store) {
	ctx := t.Context()
	acquire := func(holder string, at time.Time, want bool) {
		t.Helper()
		got, err := s.AcquireLease(ctx, "ingest", holder, time.Minute, at)
		if err != nil || got != want {
			t.Errorf("AcquireLease(%s at %v) = %v, %v; want %v", holder, at.Sub(t0), got, err, want)
		}
	}
	acquire("a", t0, true)                       // free
	acquire("b", t0.Add(30*time.Second), false)  // a holds it
	acquire("a", t0.Add(50*time.Second), true)   // a renews: until t0+110s
	acquire("b", t0.Add(100*time.Second), false) // would have expired without the renewal
	acquire("b", t0.Add(110*time.Second), true)  // expired: b steals it
	acquire("a", t0.Add(120*time.Second), false)
	if err := s.ReleaseLease(ctx, "ingest", "a"); err != nil { // not a's: no-op
		t.Fatal(err)
	}
	acquire("a", t0.Add(121*time.Second), false)
	if err := s.ReleaseLease(ctx, "ingest", "b"); err != nil {
		t.Fatal(err)
	}
	acquire("a", t0.Add(122*time.Second), true) // released: free again
	if got, err := s.AcquireLease(ctx, "other", "b", time.Minute, t0.Add(122*time.Second)); err != nil || !got {
		t.Errorf("a second lease name: %v, %v; want true", got, err)
	}
	if _, err := s.AcquireLease(ctx, "ingest", "a", 0, t0); err == nil {
		t.Errorf("AcquireLease with ttl 0: no error")
	}
}

func testLeaseOneWinner(t *testing.T, s *store.Store) {
	ctx := t.Context()
	const n = 8
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
	)
	for i := range n {
		wg.Go(func() {
			ok, err := s.AcquireLease(ctx, "ingest", fmt.Sprintf("holder%d", i), time.Minute, t0)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d holders won the lease, want 1", wins)
	}
}
