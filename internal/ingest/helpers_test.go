package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/statusphere/statusphere"
	"github.com/statusphere/statusphere/internal/backfill"
	"github.com/statusphere/statusphere/internal/collection"
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

// running is an ingester running in the background of a test.
type running struct {
	*Ingester
	reg    *prometheus.Registry
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// startIngester builds an ingester (fast test timings unless cfg sets
// them) and runs it until stop or the end of the test.
func startIngester(t testing.TB, cfg Config, deps Deps) *running {
	t.Helper()
	setDefault(&cfg.BackoffMin, 20*time.Millisecond)
	setDefault(&cfg.BackoffMax, 200*time.Millisecond)
	setDefault(&cfg.CursorFlushInterval, 100*time.Millisecond)
	setDefault(&cfg.SummaryInterval, -1)
	setDefault(&cfg.LeaseTTL, 3*time.Second)
	reg := prometheus.NewRegistry()
	if deps.Registry == nil {
		deps.Registry = reg
	}
	if deps.Logger == nil {
		deps.Logger = testLogger(t, slog.LevelInfo)
	}
	ing, err := New(cfg, deps)
	if err != nil {
		t.Fatalf("ingest.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{Ingester: ing, reg: reg, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		if err := ing.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	t.Cleanup(r.stop)
	return r
}

// stop cancels the ingester and waits for Run to return.
func (r *running) stop() {
	r.once.Do(func() {
		r.cancel()
		<-r.done
	})
}

// waitConnected waits until the ingester is connected to its source.
func (r *running) waitConnected(t testing.TB) {
	t.Helper()
	waitFor(t, 10*time.Second, "the ingester to connect", func() bool { return r.Health().Connected })
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
func statusRecord(status string, extra ...any) map[string]any {
	rec := map[string]any{"$type": Collection, "status": status, "createdAt": syntax.DatetimeNow().String()}
	for i := 0; i+1 < len(extra); i += 2 {
		rec[fmt.Sprint(extra[i])] = extra[i+1]
	}
	return rec
}

var noValidate = new(bool) // validate=false at the PDS

// gathered reads the value of the metric name with the given labels from
// reg (0 when absent).
func gathered(t testing.TB, reg prometheus.Gatherer, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metric:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if want, ok := labels[lp.GetName()]; ok && want != lp.GetValue() {
					continue metric
				}
			}
			return metricOf(m)
		}
	}
	return 0
}

func metricOf(m *dto.Metric) float64 {
	if m.Counter != nil {
		return m.Counter.GetValue()
	}
	return m.Gauge.GetValue()
}

// fakeRelay serves a fixed list of frames (each with its seq) over
// subscribeRepos, from the requested cursor on, then holds the connection.
type fakeRelay struct {
	*httptest.Server
	frames [][]byte
	seqs   []int64
	mu     sync.Mutex
	dials  []string // the cursor of each connection ("" for none)
}

func startFakeRelay(t testing.TB, frames []*frame) *fakeRelay {
	t.Helper()
	fr := &fakeRelay{}
	for i, f := range frames {
		cp := *f
		setSeq(&cp, int64(i+1))
		fr.frames = append(fr.frames, encodeFrame(t, &cp))
		fr.seqs = append(fr.seqs, int64(i+1))
	}
	fr.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cursor := r.URL.Query().Get("cursor")
		fr.mu.Lock()
		fr.dials = append(fr.dials, cursor)
		fr.mu.Unlock()
		from, _ := strconv.ParseInt(cursor, 10, 64)
		conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		for i, b := range fr.frames {
			if fr.seqs[i] <= from {
				continue
			}
			if err := conn.WriteMessage(websocket.BinaryMessage, b); err != nil {
				return
			}
		}
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}))
	t.Cleanup(fr.Close)
	return fr
}

// wsURL is the server's address as a websocket URL.
func (fr *fakeRelay) wsURL() string { return "ws" + strings.TrimPrefix(fr.URL, "http") }

// lastSeq is the seq of the last frame served.
func (fr *fakeRelay) lastSeq() int64 { return fr.seqs[len(fr.seqs)-1] }

// recordedFrames returns the committed recording's frames, decoded, without
// #sync (which would fetch repositories from a PDS), and its directory.
func recordedFrames(t testing.TB) ([]*frame, *identity.MockDirectory) {
	t.Helper()
	rec, err := readRecording(framesTestdata)
	if err != nil {
		t.Fatal(err)
	}
	var out []*frame
	for _, b := range rec.Frames {
		f, err := decodeFrame(b)
		if err != nil {
			t.Fatalf("testdata frame: %v", err)
		}
		if f.kind != kindSync {
			out = append(out, f)
		}
	}
	return out, rec.directory()
}

// dids is the network's directory as the DID resolver the ingester needs
// (a BaseDirectory: DID documents from the local PLC).
func dids(net *testnet.Network) verify.DIDResolver {
	return net.Directory().(verify.DIDResolver)
}

// Collection is the status collection, as the tests write it.
const Collection = string(collection.StatusNSID)

// statusURI is the AT-URI of the status record rkey in did's repo.
func statusURI(did syntax.DID, rkey syntax.RecordKey) syntax.ATURI {
	return collection.URI(did, collection.StatusNSID, rkey)
}

// isOurs reports whether a repo path names a status record, and returns
// its record key.
func isOurs(path string) (rkey string, ok bool) {
	rest, found := strings.CutPrefix(path, Collection)
	if !found || len(rest) < 2 || rest[0] != '/' {
		return "", false
	}
	return rest[1:], true
}

// startResyncer runs the backfill's workers beside an ingester, as the app
// does: the repositories a #sync queues are fetched by them. It returns
// the backfiller; pass its Wake as Deps.OnResync.
func startResyncer(t testing.TB, net *testnet.Network, st *store.Store, deps backfill.Deps) *backfill.Backfiller {
	t.Helper()
	deps.Store, deps.Directory = st, dids(net)
	if deps.HTTPClient == nil {
		deps.HTTPClient = net.HTTPClient
	}
	if deps.Validator == nil && deps.Collections == nil {
		deps.Validator = catalog(t)
	}
	deps.Logger = testLogger(t, slog.LevelInfo)
	b, err := backfill.New(backfill.Config{
		URL: net.PDSURL, RetryMin: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond, MaxAttempts: 1000,
		FailedPollInterval: 100 * time.Millisecond, ProgressInterval: -1, LeaseTTL: 3 * time.Second,
	}, deps)
	if err != nil {
		t.Fatalf("backfill.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = b.RetryFailed(ctx) // returns when ctx ends
	}()
	t.Cleanup(func() { cancel(); <-done })
	return b
}
