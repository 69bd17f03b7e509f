package ingest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/backfill"
	"github.com/statusphere/statusphere/internal/collection"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/testnet"
)

// otherNSID is the test-only second collection.
const otherNSID syntax.NSID = "com.example.other"

var errHandler = errors.New("handler failed on purpose")

// recorder is a collection handler for otherNSID that records what it is
// given and writes a marker row per record in the transaction it runs in
// (a cursor named after the record: 1 stored, 0 deleted), so the test sees
// whether its writes committed with the ingest cursor.
type recorder struct {
	fail     atomic.Bool  // fail every call, after writing its marker
	attempts atomic.Int64 // calls that failed
	mu       sync.Mutex
	ops      []string // "put rkey", "delete rkey", "replace rkey…" of the calls that succeeded
}

func marker(uri syntax.ATURI) string { return "handler-test:" + uri.String() }

func (h *recorder) done(op string) error {
	if h.fail.Load() {
		h.attempts.Add(1)
		return errHandler
	}
	h.mu.Lock()
	h.ops = append(h.ops, op)
	h.mu.Unlock()
	return nil
}

func (h *recorder) Put(ctx context.Context, tx *store.Tx, rec collection.Record) (error, error) {
	if err := tx.SetCursor(ctx, marker(rec.URI()), 1); err != nil {
		return nil, err
	}
	return nil, h.done("put " + rec.RKey.String())
}

func (h *recorder) Delete(ctx context.Context, tx *store.Tx, uri syntax.ATURI) error {
	if err := tx.SetCursor(ctx, marker(uri), 0); err != nil {
		return err
	}
	return h.done("delete " + uri.RecordKey().String())
}

func (h *recorder) Replace(ctx context.Context, tx *store.Tx, did syntax.DID, recs []collection.Record) ([]collection.Result, error) {
	rkeys := make([]string, 0, len(recs))
	for _, rec := range recs {
		if rec.Collection != otherNSID || rec.DID != did || rec.CBOR == nil {
			return nil, fmt.Errorf("replace of %s given %+v", did, rec)
		}
		if err := tx.SetCursor(ctx, marker(rec.URI()), 1); err != nil {
			return nil, err
		}
		rkeys = append(rkeys, rec.RKey.String())
	}
	slices.Sort(rkeys)
	return nil, h.done("replace " + strings.Join(rkeys, " "))
}

func (h *recorder) got() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.ops)
}

// markerValue reads a record's marker: 1 stored, 0 deleted, -1 none.
func markerValue(t testing.TB, st *store.Store, uri syntax.ATURI) int64 {
	t.Helper()
	v, err := st.Cursor(context.Background(), marker(uri))
	if errors.Is(err, store.ErrNotFound) {
		return -1
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestCollectionHandlers: a second collection registered beside the status
// handler receives exactly its operations, from the recorded firehose
// (inside the cursor transaction: while it fails, the cursor does not move
// and the event is retried, not skipped) and from a repository snapshot
// (inside the transaction that stores it: while it fails, nothing of the
// snapshot is stored and it is fetched again).
func TestCollectionHandlers(t *testing.T) {
	t.Run("firehose", testHandlersFirehose)
	t.Run("snapshot", testHandlersSnapshot)
}

func testHandlersFirehose(t *testing.T) {
	frames, dir := recordedFrames(t)
	var (
		want     []string
		firstSeq int64
		firstURI syntax.ATURI
	)
	for _, f := range frames {
		if f.commit == nil {
			continue
		}
		for _, op := range f.commit.Ops {
			rest, ok := strings.CutPrefix(op.Path, string(otherNSID)+"/")
			if !ok {
				continue
			}
			if firstSeq == 0 {
				firstSeq, firstURI = f.commit.Seq, syntax.ATURI("at://"+f.commit.Repo+"/"+op.Path)
			}
			if op.Action == "delete" {
				want = append(want, "delete "+rest)
			} else {
				want = append(want, "put "+rest)
			}
		}
	}
	if len(want) == 0 {
		t.Fatalf("the recording holds no %s operation", otherNSID)
	}
	relay := startFakeRelay(t, frames)
	st, _ := openStore(t)
	other := &recorder{}
	other.fail.Store(true)
	reg := collection.Default(catalog(t))
	reg.Register(otherNSID, other)
	r := startIngester(t, Config{RelayURL: relay.wsURL(), DisableLease: true},
		Deps{Store: st, Directory: dir, Collections: reg})

	waitFor(t, 10*time.Second, "the failing handler to be retried", func() bool { return other.attempts.Load() >= 3 })
	if c, err := st.Cursor(t.Context(), r.SourceName()); err == nil && c >= firstSeq {
		t.Errorf("cursor %d moved to or past the event (%d) whose handler fails", c, firstSeq)
	}
	if v := markerValue(t, st, firstURI); v != -1 {
		t.Errorf("the failing handler's write committed (marker %d)", v)
	}
	other.fail.Store(false)
	waitFor(t, 10*time.Second, "the stream to be handled", func() bool { return r.Health().Cursor == relay.lastSeq() })
	if got := other.got(); !slices.Equal(got, want) {
		t.Errorf("%s handler got %q, want %q", otherNSID, got, want)
	}
	if v := markerValue(t, st, firstURI); v != 1 {
		t.Errorf("marker of %s is %d after the retry, want 1", firstURI, v)
	}
	if n, err := st.CountStatuses(t.Context()); err != nil || n == 0 {
		t.Errorf("%d statuses stored beside the other collection (%v)", n, err)
	}
}

func testHandlersSnapshot(t *testing.T) {
	net := startNet(t, testnet.WithAccounts("bob"))
	ctx := t.Context()
	bob := net.Account("bob")
	if _, err := bob.CreateRecord(ctx, Collection, "", statusRecord("🦋"), nil); err != nil {
		t.Fatal(err)
	}
	var rkeys []string
	for n := range 3 {
		ref, err := bob.CreateRecord(ctx, string(otherNSID), "", map[string]any{"$type": string(otherNSID), "n": n}, noValidate)
		if err != nil {
			t.Fatal(err)
		}
		rkeys = append(rkeys, ref.URI.RecordKey().String())
	}
	if err := bob.DeleteRecord(ctx, string(otherNSID), rkeys[0]); err != nil {
		t.Fatal(err)
	}
	raw, err := captureFrames(ctx, net.FirehoseURL(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var stream []*frame
	for _, fb := range raw {
		f, err := decodeFrame(fb)
		if err != nil {
			t.Fatal(err)
		}
		if f.sync != nil && f.sync.Did == bob.DID.String() {
			stream = append(stream, f)
		}
	}
	if len(stream) != 1 {
		t.Fatalf("the PDS emitted %d #sync events for bob, want 1", len(stream))
	}
	relay := startFakeRelay(t, stream)
	st, _ := openStore(t)
	other := &recorder{}
	other.fail.Store(true)
	reg := collection.Default(catalog(t))
	reg.Register(otherNSID, other)
	// The #sync queues bob's repository; the backfill's workers fetch it
	// and hand the snapshot to the handlers in the transaction that marks
	// it done.
	resyncer := startResyncer(t, net, st, backfill.Deps{Collections: reg})
	r := startIngester(t, Config{RelayURL: relay.wsURL(), DisableLease: true},
		Deps{Store: st, Directory: dids(net), Collections: reg, OnResync: resyncer.Wake})
	waitFor(t, 10*time.Second, "the #sync to be handled", func() bool { return r.Health().Cursor == relay.lastSeq() })

	waitFor(t, 30*time.Second, "the failing handler to be retried", func() bool { return other.attempts.Load() >= 2 })
	if rs, err := st.RepoState(ctx, bob.DID); err != nil || rs.Backfill == store.BackfillDone {
		t.Errorf("bob's repository %+v (%v) is done while the handler fails", rs, err)
	}
	if n, _ := st.CountStatuses(ctx); n != 0 {
		t.Errorf("%d statuses stored while the other handler failed, want 0 (one transaction)", n)
	}
	for _, rk := range rkeys[1:] {
		if v := markerValue(t, st, collection.URI(bob.DID, otherNSID, syntax.RecordKey(rk))); v != -1 {
			t.Errorf("the failing handler's write committed (marker %d)", v)
		}
	}
	other.fail.Store(false)
	waitFor(t, 30*time.Second, "bob's repository to be stored", func() bool {
		rs, err := st.RepoState(ctx, bob.DID)
		return err == nil && rs.Backfill == store.BackfillDone
	})
	want := []string{"replace " + strings.Join(rkeys[1:], " ")}
	if got := other.got(); !slices.Equal(got, want) {
		t.Errorf("%s handler got %q, want %q", otherNSID, got, want)
	}
	for _, rk := range rkeys[1:] {
		u := collection.URI(bob.DID, otherNSID, syntax.RecordKey(rk))
		if v := markerValue(t, st, u); v != 1 {
			t.Errorf("marker of %s is %d, want 1", u, v)
		}
	}
	if n, _ := st.CountStatuses(ctx); n != 1 {
		t.Errorf("%d statuses stored by the snapshot, want 1", n)
	}
}
