package backfill

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/statusphere/statusphere/internal/collection"
	"github.com/statusphere/statusphere/internal/ingest"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/testnet"
)

// hookTransport sits between a backfill and the local network: it records
// every XRPC call and lets a test change or delay answers.
type hookTransport struct {
	next http.RoundTripper
	mu   sync.Mutex
	log  []xrpcCall
	// onAnswer, when set, is called with each call's number (per method
	// and DID, from 1) and its body, read whole, before the backfill sees
	// it; it returns the body to hand on, or an error to fail the call.
	onAnswer func(c xrpcCall, n int, body []byte) ([]byte, error)
}

// xrpcCall is one call made through a hookTransport.
type xrpcCall struct {
	method string
	did    string // the did (getRepo) or repo (listRecords) parameter
	cursor string // the cursor parameter
}

func newHookTransport(next *http.Client) *hookTransport {
	return &hookTransport{next: next.Transport}
}

func (h *hookTransport) client() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: h}
}

func (h *hookTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	q := req.URL.Query()
	c := xrpcCall{method: pathBase(req.URL.Path), did: q.Get("did") + q.Get("repo"), cursor: q.Get("cursor")}
	h.mu.Lock()
	h.log = append(h.log, c)
	n := h.countLocked(c.method, c.did)
	hook := h.onAnswer
	h.mu.Unlock()
	resp, err := h.next.RoundTrip(req)
	if err != nil || hook == nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if body, err = hook(c, n, body); err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

func pathBase(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}

// count returns how many calls of method (for did, unless "") were made.
func (h *hookTransport) count(method, did string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.countLocked(method, did)
}

func (h *hookTransport) countLocked(method, did string) int {
	n := 0
	for _, c := range h.log {
		if c.method == method && (did == "" || c.did == did) {
			n++
		}
	}
	return n
}

// calls returns the calls of method, in order.
func (h *hookTransport) calls(method string) []xrpcCall {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []xrpcCall
	for _, c := range h.log {
		if c.method == method {
			out = append(out, c)
		}
	}
	return out
}

// newTestBackfiller builds a backfiller on the local network (fast test
// timings unless cfg sets them), with its own metrics registry.
func newTestBackfiller(t testing.TB, net *testnet.Network, st *store.Store, client *http.Client, cfg Config) *Backfiller {
	t.Helper()
	setDefault(&cfg.URL, net.PDSURL)
	setDefault(&cfg.RetryMin, 10*time.Millisecond)
	setDefault(&cfg.RetryMax, 50*time.Millisecond)
	setDefault(&cfg.ProgressInterval, 200*time.Millisecond)
	setDefault(&cfg.LeaseTTL, 3*time.Second)
	b, err := New(cfg, Deps{
		Store: st, Validator: catalog(t), Directory: dids(net), HTTPClient: client,
		Registry: prometheus.NewRegistry(), Logger: testLogger(t, slog.LevelInfo),
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return b
}

// createStatuses creates n statuses in acct's repo and returns their URIs.
func createStatuses(t testing.TB, acct *testnet.Account, n int) []syntax.ATURI {
	t.Helper()
	var uris []syntax.ATURI
	for range n {
		uri, err := createStatus(acct)
		if err != nil {
			t.Fatal(err)
		}
		uris = append(uris, uri)
	}
	return uris
}

// createStatus creates a status in acct's repo (from any goroutine).
func createStatus(acct *testnet.Account) (syntax.ATURI, error) {
	ref, err := acct.CreateRecord(context.Background(), string(collection.StatusNSID), "", statusRecord("🦋"), nil)
	if err != nil {
		return "", fmt.Errorf("createRecord: %w", err)
	}
	return ref.URI, nil
}

// deleteNewestStatus deletes acct's newest status, if it has one (from any
// goroutine).
func deleteNewestStatus(acct *testnet.Account) error {
	recs, err := acct.ListRecords(context.Background(), string(collection.StatusNSID))
	if err != nil || len(recs) == 0 {
		return err
	}
	return acct.DeleteRecord(context.Background(), string(collection.StatusNSID), recs[0].URI.RecordKey().String())
}

// wantStoreMatchesRepos checks that the store holds exactly the status
// records the accounts' repositories hold, with their CIDs.
func wantStoreMatchesRepos(t testing.TB, st *store.Store, accts ...*testnet.Account) {
	t.Helper()
	want, err := testnet.RecordCIDs(context.Background(), string(collection.StatusNSID), accts...)
	if err != nil {
		t.Fatal(err)
	}
	got := map[syntax.ATURI]string{}
	for _, a := range accts {
		uris, err := st.StatusURIsByAuthor(context.Background(), a.DID)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range uris {
			s, _ := stored(t, st, u)
			got[u] = s.CID
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("stored statuses differ from the repositories:\n got %v\nwant %v", got, want)
	}
}

// TestBackfillResume interrupts a backfill twice, during discovery and
// between repositories, and checks that each restart goes on from where
// the last stopped: discovery from its stored cursor, and no repository
// that was done is fetched again.
func TestBackfillResume(t *testing.T) {
	net := startNet(t)
	accts := net.Accounts()
	for _, a := range accts {
		createStatuses(t, a, 2)
	}
	st, _ := openStore(t)
	hooks := newHookTransport(net.HTTPClient)

	// Run 1: stopped while it lists the second page of repositories.
	ctx, cancel := context.WithCancel(t.Context())
	hooks.onAnswer = func(c xrpcCall, n int, body []byte) ([]byte, error) {
		if c.method == methodListRepos && c.cursor != "" {
			cancel()
			return nil, context.Canceled
		}
		return body, nil
	}
	b := newTestBackfiller(t, net, st, hooks.client(), Config{Workers: 1, PageSize: 1})
	if _, err := b.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("run 1: %v, want it cancelled", err)
	}
	run, err := st.BackfillRun(t.Context(), RunName)
	if err != nil || run.Method != methodListRepos || run.Cursor == "" || run.Discovered {
		t.Fatalf("after run 1 the run is %+v (%v): want listRepos with the cursor after page 1", run, err)
	}
	if c, _ := st.BackfillCounts(t.Context()); c.Pending != 1 {
		t.Fatalf("after run 1: %+v, want the one repository of page 1 pending", c)
	}
	page1Cursor := run.Cursor

	// Run 2: discovery resumes at the stored cursor; stopped while the
	// second repository is fetched.
	ctx, cancel = context.WithCancel(t.Context())
	hooks.mu.Lock()
	hooks.log = nil
	hooks.mu.Unlock()
	hooks.onAnswer = func(c xrpcCall, n int, body []byte) ([]byte, error) {
		if c.method == "com.atproto.sync.getRepo" && len(hooks.calls("com.atproto.sync.getRepo")) == 2 {
			cancel()
			return nil, context.Canceled
		}
		return body, nil
	}
	b = newTestBackfiller(t, net, st, hooks.client(), Config{Workers: 1, PageSize: 1})
	if _, err := b.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("run 2: %v, want it cancelled", err)
	}
	lists := hooks.calls(methodListRepos)
	if len(lists) == 0 || lists[0].cursor != page1Cursor || hooks.count(methodByCollection, "") != 0 {
		t.Fatalf("run 2 listed %+v (and %d listReposByCollection): want it to resume at %q", lists, hooks.count(methodByCollection, ""), page1Cursor)
	}
	fetched := hooks.calls("com.atproto.sync.getRepo")
	if len(fetched) != 2 {
		t.Fatalf("run 2 fetched %+v, want 2 repositories (the second interrupted)", fetched)
	}
	first := fetched[0].did
	if rs, err := st.RepoState(t.Context(), syntax.DID(first)); err != nil || rs.Backfill != store.BackfillDone {
		t.Fatalf("the first repository of run 2: %+v (%v), want done", rs, err)
	}
	if c, _ := st.BackfillCounts(t.Context()); c.Done != 1 || c.Pending != 2 {
		t.Fatalf("after run 2: %+v, want 1 done and 2 pending", c)
	}

	// Run 3 finishes, without fetching the repository that was done.
	hooks.mu.Lock()
	hooks.log = nil
	hooks.onAnswer = nil
	hooks.mu.Unlock()
	b = newTestBackfiller(t, net, st, hooks.client(), Config{Workers: 1, PageSize: 1})
	p, err := b.Run(t.Context())
	if err != nil {
		t.Fatalf("run 3: %v", err)
	}
	if n := hooks.count("com.atproto.sync.getRepo", first); n != 0 {
		t.Errorf("run 3 fetched the repository done in run 2 %d times", n)
	}
	if n := hooks.count("com.atproto.sync.getRepo", ""); n != 2 {
		t.Errorf("run 3 fetched %d repositories, want the 2 left", n)
	}
	if n := len(hooks.calls(methodListRepos)) + len(hooks.calls(methodByCollection)); n != 0 {
		t.Errorf("run 3 listed repositories %d times after discovery was complete", n)
	}
	if p.Total != 3 || p.Done != 3 || p.Records != 4 || p.Running {
		t.Errorf("run 3 progress %+v: want 3 of 3 done, 4 records stored by run 3", p)
	}
	wantStoreMatchesRepos(t, st, accts...)
	if run, _ := st.BackfillRun(t.Context(), RunName); !run.Finished {
		t.Errorf("run not finished: %+v", run)
	}

	// A finished run is not resumed at the next start; a new run (the
	// backfill command) starts over.
	if due, err := b.Schedule(t.Context(), true); err != nil || due {
		t.Errorf("Schedule after a finished run = %v, %v; want false", due, err)
	}
	hooks.mu.Lock()
	hooks.log = nil
	hooks.mu.Unlock()
	if p, err := b.Run(t.Context()); err != nil || p.Done != 3 || hooks.count("com.atproto.sync.getRepo", "") != 3 {
		t.Errorf("a new run: %+v, %v, %d fetches; want every repository fetched again", p, err, hooks.count("com.atproto.sync.getRepo", ""))
	}
}

// TestBackfillBadRepos: a repository whose PDS fails for a while is
// retried and done; one whose PDS serves another account's (validly
// signed) repository is marked failed after its attempts; an invalid
// record is skipped and counted; nothing stops the other repositories.
func TestBackfillBadRepos(t *testing.T) {
	net := startNet(t)
	ctx := t.Context()
	alice, bob, carol := net.Account("alice"), net.Account("bob"), net.Account("carol")
	createStatuses(t, alice, 2)
	createStatuses(t, bob, 3)
	if _, err := bob.CreateRecord(ctx, string(collection.StatusNSID), "", statusRecord("🦋🦋"), noValidate); err != nil {
		t.Fatal(err)
	}
	createStatuses(t, carol, 1)
	var bobCAR []byte
	if err := func() error {
		resp, err := net.HTTPClient.Get(net.PDSURL + "/xrpc/com.atproto.sync.getRepo?did=" + bob.DID.String())
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		bobCAR, err = io.ReadAll(resp.Body)
		return err
	}(); err != nil {
		t.Fatal(err)
	}
	st, _ := openStore(t)
	hooks := newHookTransport(net.HTTPClient)
	hooks.onAnswer = func(c xrpcCall, n int, body []byte) ([]byte, error) {
		if c.method != "com.atproto.sync.getRepo" {
			return body, nil
		}
		switch {
		case c.did == alice.DID.String() && n <= 2:
			return nil, errors.New("connection refused (test)")
		case c.did == carol.DID.String():
			return bobCAR, nil
		}
		return body, nil
	}
	b := newTestBackfiller(t, net, st, hooks.client(), Config{MaxAttempts: 3})
	p, err := b.Run(ctx)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if p.Total != 3 || p.Done != 2 || p.Failed != 1 || p.Records != 5 || p.Invalid != 1 || p.Errors != 5 {
		t.Errorf("progress %+v: want alice and bob done, carol failed, 5 records, 1 invalid, 5 failed attempts", p)
	}
	if n := hooks.count("com.atproto.sync.getRepo", alice.DID.String()); n != 3 {
		t.Errorf("alice's repository fetched %d times, want 3 (2 failures)", n)
	}
	rs, err := st.RepoState(ctx, carol.DID)
	if err != nil || rs.Backfill != store.BackfillFailed || rs.Attempts != 3 || rs.Error == "" {
		t.Errorf("carol's state %+v (%v): want failed after 3 attempts, with the error", rs, err)
	}
	t.Logf("carol's failure: %s", rs.Error)
	wantStoreMatchesRepos(t, st, alice)
	if uris, _ := st.StatusURIsByAuthor(ctx, carol.DID); len(uris) != 0 {
		t.Errorf("carol's statuses stored from a repository that is not hers: %v", uris)
	}
	if uris, _ := st.StatusURIsByAuthor(ctx, bob.DID); len(uris) != 3 {
		t.Errorf("bob has %d statuses stored, want 3 (the invalid one skipped)", len(uris))
	}
}

// TestBackfillConvergesWithFirehose runs a backfill beside the live
// ingester while the repositories change under it: a status deleted and
// one created after alice's repository was fetched (and applied by the
// firehose before the backfill stores the stale copy) are neither
// resurrected nor missed, because the stale snapshot is refused and
// fetched again; statuses written to bob's repository at random moments
// end up right too.
func TestBackfillConvergesWithFirehose(t *testing.T) {
	net := startNet(t, testnet.WithAccounts("alice", "bob"))
	ctx := t.Context()
	alice, bob := net.Account("alice"), net.Account("bob")
	aliceBefore := createStatuses(t, alice, 3)
	createStatuses(t, bob, 2)

	st, _ := openStore(t)
	r := startIngester(t, ingest.Config{RelayURL: net.FirehoseURL(), DisableLease: true},
		ingest.Deps{Store: st, Directory: dids(net), Validator: catalog(t)})

	var created syntax.ATURI
	hooks := newHookTransport(net.HTTPClient)
	hooks.onAnswer = func(c xrpcCall, n int, body []byte) ([]byte, error) {
		if c.method != "com.atproto.sync.getRepo" || n != 1 {
			return body, nil
		}
		switch c.did {
		case alice.DID.String():
			// The body is alice's repository now; change it, wait for the
			// firehose to apply the changes, then hand on the stale copy.
			if err := alice.DeleteRecord(ctx, string(collection.StatusNSID), aliceBefore[0].RecordKey().String()); err != nil {
				return nil, err
			}
			var err error
			if created, err = createStatus(alice); err != nil {
				return nil, err
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				if _, ok := stored(t, st, created); ok {
					break
				}
				if time.Now().After(deadline) {
					return nil, errors.New("the firehose did not apply alice's new status")
				}
				time.Sleep(10 * time.Millisecond)
			}
		case bob.DID.String():
			if _, err := createStatus(bob); err != nil {
				return nil, err
			}
			if err := deleteNewestStatus(bob); err != nil {
				return nil, err
			}
		}
		return body, nil
	}
	b := newTestBackfiller(t, net, st, hooks.client(), Config{})
	var wg sync.WaitGroup
	stopWriting := make(chan struct{})
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stopWriting:
				return
			default:
			}
			if _, err := createStatus(bob); err != nil {
				t.Error(err)
				return
			}
			if i%2 == 1 {
				if err := deleteNewestStatus(bob); err != nil {
					t.Error(err)
					return
				}
			}
		}
	})
	p, err := b.Run(ctx)
	close(stopWriting)
	wg.Wait()
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if p.Done != 2 || p.Refetches < 1 {
		t.Errorf("progress %+v: want both done, alice's stale snapshot fetched again", p)
	}
	if n := hooks.count("com.atproto.sync.getRepo", alice.DID.String()); n != 2 {
		t.Errorf("alice's repository fetched %d times, want 2", n)
	}
	// The firehose catches up with the last writes.
	waitFor(t, 10*time.Second, "the store to match the repositories", func() bool {
		return matches(t, st, alice, bob)
	})
	wantStoreMatchesRepos(t, st, alice, bob)
	if _, ok := stored(t, st, aliceBefore[0]); ok {
		t.Errorf("the status deleted while the backfill ran was resurrected")
	}
	if _, ok := stored(t, st, created); !ok {
		t.Errorf("the status created while the backfill ran is missing")
	}
	if c := r.Health().Counts; c.SkippedStale == 0 {
		t.Logf("ingester counts %+v (no commit was older than a snapshot)", c)
	}
}

// matches reports whether the store holds exactly the accounts' statuses.
func matches(t testing.TB, st *store.Store, accts ...*testnet.Account) bool {
	t.Helper()
	for _, a := range accts {
		recs, err := a.ListRecords(context.Background(), string(collection.StatusNSID))
		if err != nil {
			t.Fatal(err)
		}
		var want []syntax.ATURI
		for _, r := range recs {
			want = append(want, r.URI)
		}
		slices.Sort(want)
		got, err := st.StatusURIsByAuthor(context.Background(), a.DID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			return false
		}
	}
	return true
}

// TestBackfillListReposByCollection: on a relay that implements
// com.atproto.sync.listReposByCollection (here a stand-in listing the local
// network's accounts, two per page, after one failed answer), discovery
// pages through it with the collection and cursor, retries the failure,
// asks no repository whether it holds statuses, and skips a DID that does
// not exist.
func TestBackfillListReposByCollection(t *testing.T) {
	net := startNet(t, testnet.WithAccounts("alice", "bob"))
	alice, bob := net.Account("alice"), net.Account("bob")
	createStatuses(t, alice, 2)
	createStatuses(t, bob, 1)
	missing := "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"
	listed := []string{alice.DID.String(), missing, bob.DID.String()}
	var (
		mu         sync.Mutex
		requests   []string // collection and cursor of each request
		statusAsks int
	)
	relay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/xrpc/"+methodByCollection {
			http.Error(w, `{"error":"MethodNotImplemented"}`, http.StatusNotImplemented)
			return
		}
		q := r.URL.Query()
		mu.Lock()
		requests = append(requests, q.Get("collection")+" "+q.Get("cursor"))
		if q.Get("collection") == string(collection.StatusNSID) {
			statusAsks++
		}
		n := statusAsks
		mu.Unlock()
		if q.Get("collection") != string(collection.StatusNSID) {
			// The other registered collections (the note): nobody has one.
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"repos":[]}`) //nolint:errcheck // a test server
			return
		}
		if n == 1 {
			http.Error(w, `{"error":"InternalServerError"}`, http.StatusInternalServerError)
			return
		}
		from, _ := strconv.Atoi(q.Get("cursor"))
		to := min(from+2, len(listed))
		out := map[string]any{"repos": []map[string]string{}}
		var repos []map[string]string
		for _, d := range listed[from:to] {
			repos = append(repos, map[string]string{"did": d})
		}
		out["repos"] = repos
		if to < len(listed) {
			out["cursor"] = strconv.Itoa(to)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out) //nolint:errcheck // a test server
	}))
	t.Cleanup(relay.Close)

	st, _ := openStore(t)
	hooks := newHookTransport(net.HTTPClient)
	b := newTestBackfiller(t, net, st, hooks.client(), Config{URL: relay.URL, PageSize: 2})
	p, err := b.Run(t.Context())
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	mu.Lock()
	got := slices.Clone(requests)
	mu.Unlock()
	note, status := string(collection.NoteNSID), string(collection.StatusNSID)
	if want := []string{note + " ", status + " ", status + " ", status + " 2"}; !slices.Equal(got, want) {
		t.Errorf("relay requests (collection cursor) %q, want %q", got, want)
	}
	if p.Total != 3 || p.Done != 2 || p.Skipped != 1 || p.Records != 3 {
		t.Errorf("progress %+v: want alice and bob done, the missing DID skipped, 3 records", p)
	}
	if n := hooks.count("com.atproto.repo.listRecords", ""); n != 0 {
		t.Errorf("%d listRecords hints asked, want none (the relay lists only repositories with statuses)", n)
	}
	if rs, err := st.RepoState(t.Context(), syntax.DID(missing)); err != nil || rs.Backfill != store.BackfillSkipped {
		t.Errorf("the missing DID's state %+v (%v), want skipped", rs, err)
	}
	wantStoreMatchesRepos(t, st, alice, bob)
}
