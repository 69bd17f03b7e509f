package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/atdata"
	"github.com/bluesky-social/indigo/atproto/repo"
	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/gorilla/websocket"
	"github.com/ipfs/go-cid"

	"github.com/statusphere/statusphere/internal/testnet"
)

// fakeJetstream is a stand-in Jetstream: it reads the local PDS's real
// firehose and serves it as Jetstream's JSON events (one commit event per
// op, identity and account events), with a time_us cursor and the
// wantedCollections filter. No Jetstream server can be installed here.
type fakeJetstream struct {
	*httptest.Server
	mu      sync.Mutex
	events  []fakeEvent
	changed chan struct{} // closed and replaced when events grow
	queries []url.Values  // the query of each connection
}

type fakeEvent struct {
	timeUS     int64
	collection string // commit events only
	data       []byte
}

func startFakeJetstream(t *testing.T, firehoseURL string) *fakeJetstream {
	t.Helper()
	js := &fakeJetstream{changed: make(chan struct{})}
	js.Server = httptest.NewServer(http.HandlerFunc(js.serve))
	t.Cleanup(js.Close)
	ctx, cancel := context.WithCancel(context.Background())
	conn, _, err := websocket.DefaultDialer.DialContext(ctx, firehoseURL+"?cursor=0", nil)
	if err != nil {
		t.Fatalf("fake jetstream: dial firehose: %v", err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); conn.Close(); <-done })
	go func() {
		defer close(done)
		for {
			_, b, err := conn.ReadMessage()
			if err != nil {
				return
			}
			if err := js.translate(ctx, b); err != nil {
				t.Errorf("fake jetstream: %v", err)
				return
			}
		}
	}()
	return js
}

// translate turns one firehose frame into Jetstream events.
func (js *fakeJetstream) translate(ctx context.Context, b []byte) error {
	f, err := decodeFrame(b)
	if err != nil {
		return err
	}
	type obj = map[string]any
	switch {
	case f.commit != nil:
		evt := f.commit
		_, r, err := repo.LoadRepoFromCAR(ctx, bytes.NewReader(evt.Blocks))
		if err != nil {
			return err
		}
		for _, op := range evt.Ops {
			coll, rkey, err := syntax.ParseRepoPath(op.Path)
			if err != nil {
				return err
			}
			c := obj{"rev": evt.Rev, "operation": op.Action, "collection": coll.String(), "rkey": rkey.String()}
			if op.Action != "delete" {
				rec, _, err := r.GetRecordBytes(ctx, coll, rkey)
				if err != nil {
					return err
				}
				data, err := atdata.UnmarshalCBOR(rec)
				if err != nil {
					return err
				}
				c["record"], c["cid"] = data, cid.Cid(*op.Cid).String()
			}
			js.add(coll.String(), obj{"did": evt.Repo, "kind": "commit", "commit": c})
		}
	case f.identity != nil:
		id := obj{"did": f.identity.Did, "seq": f.identity.Seq, "time": f.identity.Time}
		if f.identity.Handle != nil {
			id["handle"] = *f.identity.Handle
		}
		js.add("", obj{"did": f.identity.Did, "kind": "identity", "identity": id})
	case f.account != nil:
		acct := obj{"did": f.account.Did, "seq": f.account.Seq, "time": f.account.Time, "active": f.account.Active}
		if f.account.Status != nil {
			acct["status"] = *f.account.Status
		}
		js.add("", obj{"did": f.account.Did, "kind": "account", "account": acct})
	}
	return nil
}

// add appends an event stamped with a fresh, strictly increasing time_us.
func (js *fakeJetstream) add(collection string, ev map[string]any) {
	js.mu.Lock()
	defer js.mu.Unlock()
	now := time.Now().UnixMicro()
	if n := len(js.events); n > 0 && now <= js.events[n-1].timeUS {
		now = js.events[n-1].timeUS + 1
	}
	ev["time_us"] = now
	data, _ := json.Marshal(ev)
	js.events = append(js.events, fakeEvent{timeUS: now, collection: collection, data: data})
	close(js.changed)
	js.changed = make(chan struct{})
}

// serve streams events: from the cursor if given (else from now on),
// commit events only for wantedCollections.
func (js *fakeJetstream) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	js.mu.Lock()
	js.queries = append(js.queries, q)
	next := len(js.events)
	if c := q.Get("cursor"); c != "" {
		cursor, _ := strconv.ParseInt(c, 10, 64)
		next, _ = slices.BinarySearchFunc(js.events, cursor, func(e fakeEvent, c int64) int { return int(e.timeUS - c) })
	}
	js.mu.Unlock()
	conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	go func() { // notice the client going away
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				conn.Close()
				return
			}
		}
	}()
	wanted := q["wantedCollections"]
	for {
		js.mu.Lock()
		batch, changed := js.events[next:], js.changed
		next = len(js.events)
		js.mu.Unlock()
		for _, e := range batch {
			if e.collection != "" && len(wanted) > 0 && !slices.Contains(wanted, e.collection) {
				continue
			}
			if err := conn.WriteMessage(websocket.TextMessage, e.data); err != nil {
				return
			}
		}
		select {
		case <-changed:
		case <-r.Context().Done():
			return
		case <-time.After(30 * time.Second):
			return
		}
	}
}

func (js *fakeJetstream) connections() []url.Values {
	js.mu.Lock()
	defer js.mu.Unlock()
	return slices.Clone(js.queries)
}

func TestIngestJetstream(t *testing.T) {
	net := startNet(t, testnet.WithAccounts("alice", "bob"))
	js := startFakeJetstream(t, net.FirehoseURL())
	st, _ := openStore(t)
	cfg := Config{Source: SourceJetstream, JetstreamURL: "ws" + strings.TrimPrefix(js.URL, "http") + "/subscribe"}
	deps := Deps{Store: st, Validator: catalog(t)}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	alice, bob := net.Account("alice"), net.Account("bob")

	r := startIngester(t, cfg, deps)
	r.waitConnected(t)
	if r.SourceName() != "jetstream:"+strings.TrimPrefix(js.URL, "http://") {
		t.Errorf("source name %q", r.SourceName())
	}

	// Create, update, delete.
	ref, err := bob.CreateRecord(ctx, Collection, "", statusRecord("🦋", "extra", "kept"), nil)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "the create", func() bool { s, ok := stored(t, st, ref.URI); return ok && s.CID == ref.CID })
	if s, _ := stored(t, st, ref.URI); !strings.Contains(string(s.Record), `"extra":"kept"`) || s.Rev == "" {
		t.Errorf("stored %+v, want the unknown field kept and a rev", s)
	}
	rkey := syntax.ATURI(ref.URI).RecordKey().String()
	ref2, err := bob.PutRecord(ctx, Collection, rkey, statusRecord("🐢"), nil)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "the update", func() bool { s, ok := stored(t, st, ref.URI); return ok && s.CID == ref2.CID && s.Status == "🐢" })
	// Other collections are filtered out by the server; invalid records are
	// skipped.
	if _, err := alice.CreateRecord(ctx, "app.bsky.feed.post", "", map[string]any{"$type": "app.bsky.feed.post", "text": "hi", "createdAt": syntax.DatetimeNow().String()}, nil); err != nil {
		t.Fatal(err)
	}
	bad, err := alice.CreateRecord(ctx, Collection, "", statusRecord("🦋🦋"), noValidate)
	if err != nil {
		t.Fatal(err)
	}
	if err := bob.DeleteRecord(ctx, Collection, rkey); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "the delete", func() bool { _, ok := stored(t, st, ref.URI); return !ok })
	if _, ok := stored(t, st, bad.URI); ok {
		t.Errorf("invalid status %s stored", bad.URI)
	}
	c := r.Health().Counts
	if c.SkippedInvalid != 1 || c.Applied != 3 {
		t.Errorf("counts %+v, want 3 applied and 1 invalid", c)
	}
	if got := float64(r.m.events.get("commit")); got != 4 {
		t.Errorf("commit events = %v, want 4 (the post filtered out by wantedCollections)", got)
	}

	// Stop, write while stopped, restart: it resumes from its cursor.
	r.stop()
	cursor, err := st.Cursor(ctx, r.SourceName())
	if err != nil {
		t.Fatalf("no cursor stored: %v", err)
	}
	uris := writeStatuses(ctx, t, []*testnet.Account{alice, bob}, 10, nil)
	r2 := startIngester(t, cfg, deps)
	waitAllStored(t, st, uris, 10, 10*time.Second)
	r2.stop()

	conns := js.connections()
	if len(conns) != 2 {
		t.Fatalf("%d connections, want 2", len(conns))
	}
	if got, want := conns[0]["wantedCollections"], registered(t); !slices.Equal(got, want) || !slices.Contains(got, Collection) {
		t.Errorf("wantedCollections = %v, want the registered collections %v", got, want)
	}
	if conns[0].Has("cursor") {
		t.Errorf("first connection sent cursor %q, want live", conns[0].Get("cursor"))
	}
	wantFrom := cursor - (2 * time.Second).Microseconds()
	if got := conns[1].Get("cursor"); got != strconv.FormatInt(wantFrom, 10) {
		t.Errorf("second connection cursor = %s, want %d (stored %d less the rewind)", got, wantFrom, cursor)
	}
	if c2, _ := st.Cursor(ctx, r2.SourceName()); c2 <= cursor {
		t.Errorf("cursor %d did not move past %d", c2, cursor)
	}
}
