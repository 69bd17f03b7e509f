package app_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/app"
	"github.com/statusphere/statusphere/internal/backfill"
	"github.com/statusphere/statusphere/internal/config"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/testlog"
	"github.com/statusphere/statusphere/internal/testnet"
)

// TestBackfillExistingRecords: three accounts write 30 statuses and delete
// 5 before the app ever starts; the first start fetches them (the local
// PDS has no listReposByCollection: discovery falls back to listRepos) and
// shows exactly the 25 that exist. Then statuses written and deleted while
// a backfill runs end up exactly as in the repositories, never missed,
// resurrected or duplicated: while `statusphere backfill` runs beside the
// app, and while the first start of a second app on a new database races
// with writes. In both, each repository is changed after its fetch and the
// change reaches the store through the firehose before the backfill stores
// its (now stale) copy.
func TestBackfillExistingRecords(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("alice", "bob", "carol"))
	ctx := t.Context()
	accts := n.Accounts()
	emoji := []string{"🦋", "🐢", "🌻", "🎉", "😀"}
	var refs []testnet.RecordRef
	for i := range 30 {
		ref, err := accts[i%3].CreateRecord(ctx, statusNSID, "", statusRecord(emoji[i%len(emoji)]), nil)
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, ref)
	}
	for _, i := range []int{0, 4, 8, 13, 29} {
		if err := deleteStatus(accts[i%3], refs[i].URI); err != nil {
			t.Fatal(err)
		}
	}
	before := repoStatuses(t, accts...)
	if len(before) != 25 {
		t.Fatalf("the repositories hold %d statuses, want 25", len(before))
	}

	// First start: the ingester connects, then the backfill runs.
	db := dbFile(t)
	first := startApp(t, n, db)
	waitBackfilled(t, first.Store)
	if got := storedStatuses(t, first.Store, accts...); !maps.Equal(got, before) {
		t.Fatalf("after the first start the store holds %d statuses, want exactly the 25 of the repositories:\n got %v\nwant %v", len(got), got, before)
	}
	if c, _ := first.Store.CountStatuses(ctx); c != 25 {
		t.Fatalf("%d statuses stored, want 25", c)
	}
	_, home := get(t, newBrowserlessClient(t), first.URL()+"/")
	if !strings.Contains(home, "🦋") {
		t.Errorf("the home page does not show the backfilled statuses")
	}
	if p := first.Backfiller.Progress(); p.Total != 3 || p.Done != 3 || p.Records != 25 || p.Failed != 0 {
		t.Errorf("first start's backfill progress %+v: want 3 repositories done, 25 records", p)
	}

	// `statusphere backfill` beside the running app, while the repositories
	// change under it.
	changes := &repoChanger{accts: accts}
	changes.store.Store(first.Store)
	hooks := &getRepoHook{next: n.HTTPClient.Transport, onFirst: changes.changeAfterFetch}
	cfg := backfillConfig(t, n, db)
	stop := changes.writeInBackground(t)
	p, err := app.Backfill(ctx, cfg, testLogger(t), nil, app.WithHTTPClient(hooks.client()), app.WithLocalHandleSuffixes(testnet.Domain))
	stop()
	if err != nil {
		t.Fatalf("app.Backfill: %v", err)
	}
	if p.Done != 3 || p.Refetches < 3 {
		t.Errorf("backfill progress %+v: want 3 done, each stale snapshot fetched again", p)
	}
	waitConverged(t, first.Store, accts...)
	for _, u := range changes.deletedURIs() {
		if _, err := first.Store.Status(ctx, u); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("status %s deleted while the backfill ran is stored (%v)", u, err)
		}
	}
	first.stop()

	// The first start of another app, on a new database, racing with writes.
	changes = &repoChanger{accts: accts}
	hooks = &getRepoHook{next: n.HTTPClient.Transport, onFirst: changes.changeAfterFetch}
	stop = changes.writeInBackground(t)
	second := startApp(t, n, dbFile(t), app.WithHTTPClient(hooks.client()))
	changes.store.Store(second.Store)
	waitBackfilled(t, second.Store)
	stop()
	if p := second.Backfiller.Progress(); p.Done != 3 || p.Refetches < 3 {
		t.Errorf("second app's backfill progress %+v: want 3 done, each stale snapshot fetched again", p)
	}
	waitConverged(t, second.Store, accts...)
	for _, u := range changes.deletedURIs() {
		if _, err := second.Store.Status(ctx, u); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("status %s deleted while the backfill ran is stored (%v)", u, err)
		}
	}
}

// TestBackfillOnlyOnFirstStart: a restart with a stored cursor (and the
// first start's backfill finished) does not backfill again.
func TestBackfillOnlyOnFirstStart(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("alice"))
	alice := n.Account("alice")
	if _, err := alice.CreateRecord(t.Context(), statusNSID, "", statusRecord("🦋"), nil); err != nil {
		t.Fatal(err)
	}
	db := dbFile(t)
	first := startApp(t, n, db)
	waitBackfilled(t, first.Store)
	// The ingester stores its cursor once it has handled an event.
	if _, err := alice.CreateRecord(t.Context(), statusNSID, "", statusRecord("🐢"), nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the second status", func() bool { c, _ := first.Store.CountStatuses(t.Context()); return c == 2 })
	run, err := first.Store.BackfillRun(t.Context(), backfill.RunName)
	if err != nil {
		t.Fatal(err)
	}
	first.stop()

	hooks := &getRepoHook{next: n.HTTPClient.Transport}
	second := startApp(t, n, db, app.WithHTTPClient(hooks.client()))
	waitFor(t, 10*time.Second, "the ingester to connect", func() bool { return second.Ingester.Health().Connected })
	time.Sleep(300 * time.Millisecond) // a backfill would start at once
	if got := hooks.fetches.Load(); got != 0 {
		t.Errorf("a restart fetched %d repositories, want none (the backfill ran on the first start)", got)
	}
	if again, err := second.Store.BackfillRun(t.Context(), backfill.RunName); err != nil || !again.StartedAt.Equal(run.StartedAt) || !again.Finished {
		t.Errorf("after a restart the backfill run is %+v (%v), want the first start's, finished", again, err)
	}
	second.stop()
}

// backfillConfig is the `statusphere backfill` configuration for the local
// network and db.
func backfillConfig(t *testing.T, n *testnet.Network, db string) config.Config {
	t.Helper()
	cfg, err := config.Parse("backfill", []string{
		"-database-url", db, "-plc-url", n.PLCURL, "-backfill-url", n.PDSURL, "-relay-url", n.FirehoseURL(),
	}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func testLogger(t *testing.T) *slog.Logger {
	return testlog.New(t, slog.LevelInfo)
}

// statusRecord is a status record as another app writes it.
func statusRecord(emoji string) map[string]any {
	return map[string]any{"$type": statusNSID, "status": emoji, "createdAt": syntax.DatetimeNow().String()}
}

func deleteStatus(acct *testnet.Account, uri syntax.ATURI) error {
	return acct.DeleteRecord(context.Background(), statusNSID, uri.RecordKey().String())
}

// repoStatuses returns the accounts' status records (URI → CID), as their
// PDS serves them now.
func repoStatuses(t *testing.T, accts ...*testnet.Account) map[syntax.ATURI]string {
	t.Helper()
	out, err := testnet.RecordCIDs(context.Background(), statusNSID, accts...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// storedStatuses returns the accounts' statuses (URI → CID) in st.
func storedStatuses(t *testing.T, st *store.Store, accts ...*testnet.Account) map[syntax.ATURI]string {
	t.Helper()
	out := map[syntax.ATURI]string{}
	// One transaction: the ingester may delete rows between the listing
	// and the reads otherwise.
	err := st.InTx(context.Background(), func(tx *store.Tx) error {
		for _, a := range accts {
			uris, err := tx.StatusURIsByAuthor(context.Background(), a.DID)
			if err != nil {
				return err
			}
			for _, u := range uris {
				s, err := tx.Status(context.Background(), u)
				if err != nil {
					return err
				}
				out[u] = s.CID
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// waitBackfilled waits until the backfill run in st is finished.
func waitBackfilled(t *testing.T, st *store.Store) {
	t.Helper()
	waitFor(t, 30*time.Second, "the backfill to finish", func() bool {
		run, err := st.BackfillRun(context.Background(), backfill.RunName)
		return err == nil && run.Finished
	})
}

// waitConverged waits until st holds exactly the accounts' statuses (the
// firehose applies the last writes), then checks CIDs and that no status
// is stored twice.
func waitConverged(t *testing.T, st *store.Store, accts ...*testnet.Account) {
	t.Helper()
	var got, want map[syntax.ATURI]string
	deadline := time.Now().Add(15 * time.Second)
	for {
		got, want = storedStatuses(t, st, accts...), repoStatuses(t, accts...)
		if maps.Equal(got, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the store does not match the repositories:\n got %v\nwant %v", got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if c, err := st.CountStatuses(context.Background()); err != nil || c != int64(len(want)) {
		t.Fatalf("%d rows stored, %v; want %d", c, err, len(want))
	}
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// repoChanger changes the accounts' repositories while a backfill runs.
type repoChanger struct {
	accts []*testnet.Account
	store atomic.Pointer[store.Store] // the store the firehose writes to

	mu      sync.Mutex
	deleted []syntax.ATURI
}

// changeAfterFetch runs when the backfill has fetched did's repository
// and before it sees it: it deletes one of the account's statuses and
// creates one, and waits until the firehose has applied both, so that the
// fetched copy is stale when the backfill stores it.
func (c *repoChanger) changeAfterFetch(did string) error {
	var acct *testnet.Account
	for _, a := range c.accts {
		if a.DID.String() == did {
			acct = a
		}
	}
	if acct == nil {
		return nil
	}
	recs, err := acct.ListRecords(context.Background(), statusNSID)
	if err != nil || len(recs) == 0 {
		return fmt.Errorf("listRecords of %s: %d records, %v", did, len(recs), err)
	}
	victim := recs[len(recs)-1].URI
	if err := deleteStatus(acct, victim); err != nil {
		return err
	}
	c.noteDeleted(victim)
	ref, err := acct.CreateRecord(context.Background(), statusNSID, "", statusRecord("🚀"), nil)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if st := c.store.Load(); st != nil {
			if _, err := st.Status(context.Background(), ref.URI); err == nil {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the firehose did not apply %s", ref.URI)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (c *repoChanger) noteDeleted(u syntax.ATURI) {
	c.mu.Lock()
	c.deleted = append(c.deleted, u)
	c.mu.Unlock()
}

func (c *repoChanger) deletedURIs() []syntax.ATURI {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]syntax.ATURI(nil), c.deleted...)
}

// writeInBackground creates and deletes statuses in every repository until
// the returned function is called.
func (c *repoChanger) writeInBackground(t *testing.T) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for i, a := range c.accts {
		wg.Go(func() {
			for j := 0; ; j++ {
				select {
				case <-done:
					return
				default:
				}
				ref, err := a.CreateRecord(context.Background(), statusNSID, "", statusRecord("🌊"), nil)
				if err != nil {
					t.Errorf("createRecord: %v", err)
					return
				}
				if (i+j)%3 == 0 {
					if err := deleteStatus(a, ref.URI); err != nil {
						t.Errorf("deleteRecord: %v", err)
						return
					}
					c.noteDeleted(ref.URI)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
	var once sync.Once
	return func() { once.Do(func() { close(done); wg.Wait() }) }
}

// getRepoHook counts com.atproto.sync.getRepo calls and calls onFirst with
// the DID after the first answer for each repository was read, before the
// caller sees it.
type getRepoHook struct {
	next    http.RoundTripper
	onFirst func(did string) error
	fetches atomic.Int64

	mu   sync.Mutex
	seen map[string]bool
}

func (h *getRepoHook) client() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: h}
}

func (h *getRepoHook) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(req.URL.Path, "/com.atproto.sync.getRepo") {
		return h.next.RoundTrip(req)
	}
	h.fetches.Add(1)
	resp, err := h.next.RoundTrip(req)
	if err != nil || h.onFirst == nil {
		return resp, err
	}
	did := req.URL.Query().Get("did")
	h.mu.Lock()
	first := !h.seen[did]
	if h.seen == nil {
		h.seen = map[string]bool{}
	}
	h.seen[did] = true
	h.mu.Unlock()
	if !first {
		return resp, nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if err := h.onFirst(did); err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}
