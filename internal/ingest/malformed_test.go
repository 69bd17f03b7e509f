package ingest

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/atproto/atcrypto"
	"github.com/bluesky-social/indigo/atproto/repo"
	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/bluesky-social/indigo/events"
	lexutil "github.com/bluesky-social/indigo/lex/util"
	"github.com/gorilla/websocket"
	"github.com/ipfs/go-cid"
	car "github.com/ipld/go-car"
	carutil "github.com/ipld/go-car/util"
	"github.com/multiformats/go-multihash"
)

// encodeFrame encodes f as a subscribeRepos frame.
func encodeFrame(t testing.TB, f *frame) []byte {
	t.Helper()
	var buf bytes.Buffer
	h := events.EventHeader{Op: events.EvtKindMessage, MsgType: f.kind}
	if err := h.MarshalCBOR(&buf); err != nil {
		t.Fatal(err)
	}
	var err error
	switch {
	case f.commit != nil:
		err = f.commit.MarshalCBOR(&buf)
	case f.sync != nil:
		err = f.sync.MarshalCBOR(&buf)
	case f.identity != nil:
		err = f.identity.MarshalCBOR(&buf)
	case f.account != nil:
		err = f.account.MarshalCBOR(&buf)
	case f.info != nil:
		err = f.info.MarshalCBOR(&buf)
	default:
		t.Fatalf("cannot encode a %s frame", f.kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// setSeq renumbers a frame.
func setSeq(f *frame, seq int64) {
	switch {
	case f.commit != nil:
		f.commit.Seq = seq
	case f.sync != nil:
		f.sync.Seq = seq
	case f.identity != nil:
		f.identity.Seq = seq
	case f.account != nil:
		f.account.Seq = seq
	}
}

// resign returns a copy of evt whose commit is signed with a key of its
// own: well-formed, but not the account's signature.
func resign(t testing.TB, evt *comatproto.SyncSubscribeRepos_Commit) *comatproto.SyncSubscribeRepos_Commit {
	t.Helper()
	cr, err := car.NewCarReader(bytes.NewReader(evt.Blocks))
	if err != nil {
		t.Fatal(err)
	}
	root := cr.Header.Roots[0]
	var blocks [][2][]byte
	var commit repo.Commit
	for {
		blk, err := cr.Next()
		if err != nil {
			break
		}
		if blk.Cid().Equals(root) {
			if err := commit.UnmarshalCBOR(bytes.NewReader(blk.RawData())); err != nil {
				t.Fatal(err)
			}
			continue
		}
		blocks = append(blocks, [2][]byte{blk.Cid().Bytes(), blk.RawData()})
	}
	key, err := atcrypto.GeneratePrivateKeyK256()
	if err != nil {
		t.Fatal(err)
	}
	if err := commit.Sign(key); err != nil {
		t.Fatal(err)
	}
	var cb bytes.Buffer
	if err := commit.MarshalCBOR(&cb); err != nil {
		t.Fatal(err)
	}
	newRoot, err := cid.Prefix{Version: 1, Codec: cid.DagCBOR, MhType: multihash.SHA2_256, MhLength: -1}.Sum(cb.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := car.WriteHeader(&car.CarHeader{Roots: []cid.Cid{newRoot}, Version: 1}, &out); err != nil {
		t.Fatal(err)
	}
	if err := carutil.LdWrite(&out, newRoot.Bytes(), cb.Bytes()); err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		if err := carutil.LdWrite(&out, b[0], b[1]); err != nil {
			t.Fatal(err)
		}
	}
	c := *evt
	c.Commit = lexutil.LexLink(newRoot)
	c.Blocks = out.Bytes()
	return &c
}

// statusCommits returns the recording's commits with a status op.
func statusCommits(frames []*frame) []*frame {
	var out []*frame
	for _, f := range frames {
		if f.commit == nil {
			continue
		}
		for _, op := range f.commit.Ops {
			if _, ok := isOurs(op.Path); ok {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

// wsMessage is one websocket message the test server sends.
type wsMessage struct {
	typ  int
	data []byte
	bad  string // "": a good frame; else what is wrong with it
	seq  int64  // the sequence number of a decodable frame, else 0
}

func TestIngestSurvivesMalformedFrames(t *testing.T) {
	rec, err := readRecording(framesTestdata)
	if err != nil {
		t.Fatal(err)
	}
	var good []*frame
	for _, b := range rec.Frames {
		f, err := decodeFrame(b)
		if err != nil {
			t.Fatalf("testdata frame: %v", err)
		}
		if f.kind != kindSync { // a #sync would fetch the repo from a PDS
			good = append(good, f)
		}
	}
	ours := statusCommits(good)
	if len(ours) < 4 {
		t.Fatalf("testdata has %d status commits, want at least 4", len(ours))
	}

	// A stream of the recorded frames, renumbered, with a bad message after
	// each good one.
	const maxFrame = 64 << 10
	rng := rand.New(rand.NewPCG(1, 2))
	garbage := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		return b
	}
	var seq int64
	next := func(f *frame) []byte {
		seq++
		cp := *f
		if f.commit != nil {
			c := *f.commit
			cp.commit = &c
		}
		setSeq(&cp, seq)
		return encodeFrame(t, &cp)
	}
	// The forged delete: the last status commit, plus the delete of another
	// status record that the same repository still holds.
	victim := ours[len(ours)-1].commit
	victimPath := ""
	for _, f := range ours {
		for _, op := range f.commit.Ops {
			if _, ok := isOurs(op.Path); ok && f.commit.Repo == victim.Repo && op.Action == "update" {
				victimPath = op.Path
			}
		}
	}
	if victimPath == "" {
		t.Fatal("testdata has no updated status in the last status commit's repo")
	}
	badKinds := []func() wsMessage{
		func() wsMessage {
			b := next(ours[0])
			return wsMessage{websocket.BinaryMessage, b[:len(b)/2], "truncated", 0}
		},
		func() wsMessage { return wsMessage{websocket.BinaryMessage, garbage(300), "garbage", 0} },
		func() wsMessage {
			return wsMessage{websocket.BinaryMessage, append(next(ours[1]), garbage(maxFrame)...), "oversized", 0}
		},
		func() wsMessage {
			seq++
			f := &frame{kind: kindCommit, commit: resign(t, ours[seq%int64(len(ours))].commit)}
			f.commit.Seq = seq
			return wsMessage{websocket.BinaryMessage, encodeFrame(t, f), "wrongly signed", seq}
		},
		func() wsMessage { return wsMessage{websocket.TextMessage, []byte(`{"hello":"world"}`), "text", 0} },
		func() wsMessage {
			return wsMessage{websocket.BinaryMessage, []byte{0xa2, 0x62, 'o', 'p', 0x07, 0x61, 't', 0x60}, "unknown op", 0}
		},
		func() wsMessage {
			return wsMessage{websocket.BinaryMessage, append(next(ours[2]), 0x00), "trailing bytes", 0}
		},
		func() wsMessage {
			// A genuine commit with a forged delete added to its ops: the ops
			// list is not signed, the tree proves the record still exists.
			seq++
			c := *victim
			c.Seq = seq
			c.Ops = append(append([]*comatproto.SyncSubscribeRepos_RepoOp{}, c.Ops...),
				&comatproto.SyncSubscribeRepos_RepoOp{Action: "delete", Path: victimPath})
			return wsMessage{websocket.BinaryMessage, encodeFrame(t, &frame{kind: kindCommit, commit: &c}), "forged delete", seq}
		},
	}
	// The last status commit is held back, and sent after a pause at the
	// end: it shows that the consumer is still there and applying.
	held := ours[len(ours)-1]
	var msgs []wsMessage
	for i, f := range good {
		if f == held {
			continue
		}
		b := next(f)
		msgs = append(msgs, wsMessage{websocket.BinaryMessage, b, "", seq})
		msgs = append(msgs, badKinds[i%len(badKinds)]())
	}
	// A genuine, correctly signed commit sent again after the record it
	// created was deleted: refused as a replay, the status stays deleted.
	var deleted *frame
	for _, f := range ours {
		for _, op := range f.commit.Ops {
			for _, g := range ours {
				for _, later := range g.commit.Ops {
					if op.Action == "create" && later.Action == "delete" && later.Path == op.Path {
						deleted = f
					}
				}
			}
		}
	}
	if deleted == nil {
		t.Fatal("testdata has no status created and then deleted")
	}
	msgs = append(msgs, wsMessage{websocket.BinaryMessage, next(deleted), "replayed", seq})
	// A message type from the future is skipped, not malformed.
	msgs = append(msgs, wsMessage{websocket.BinaryMessage, []byte{0xa2, 0x61, 't', 0x67, '#', 'f', 'u', 't', 'u', 'r', 'e', 0x62, 'o', 'p', 0x01, 0xa0}, "", 0})
	var lastGood int64 // the last event the consumer can decode and handle
	want := map[string]int{}
	for _, m := range msgs {
		want[m.bad]++
		lastGood = max(lastGood, m.seq)
	}
	if len(want) < len(badKinds)+2 {
		t.Fatalf("stream has bad kinds %v, want all %d", want, len(badKinds))
	}

	var conns atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conns.Add(1)
		conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		for _, m := range msgs {
			if err := conn.WriteMessage(m.typ, m.data); err != nil {
				return
			}
		}
		<-release
		if err := conn.WriteMessage(websocket.BinaryMessage, next(held)); err != nil {
			return
		}
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	defer close(release)

	st, _ := openStore(t)
	r := startIngester(t, Config{RelayURL: "ws" + strings.TrimPrefix(srv.URL, "http"), MaxFrameBytes: maxFrame, DisableLease: true},
		Deps{Store: st, Directory: rec.directory(), Validator: catalog(t)})

	wantMalformed := want["truncated"] + want["garbage"] + want["oversized"] + want["text"] + want["unknown op"] + want["trailing bytes"]
	wantFailed := want["wrongly signed"] + want["forged delete"] + want["replayed"]
	waitFor(t, 10*time.Second, "every frame to be handled", func() bool {
		c := r.Health().Counts
		return r.Health().Cursor == lastGood && c.Malformed == int64(wantMalformed) && c.VerificationFailed == int64(wantFailed)
	})
	c := r.Health().Counts
	t.Logf("sent %d messages %v; counts %+v", len(msgs), want, c)

	// Only the good frames were applied: the recording's final state.
	ctx := context.Background()
	n, err := st.CountStatuses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tl, err := st.Timeline(ctx, 100, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, e := range tl {
		got[e.Status.Status]++
	}
	if n != 2 || got["😀"] != 1 || got["🐢"] != 1 {
		t.Errorf("stored %d statuses %v, want 😀 🐢 (🦋 updated to 🐢, 🦋🦋 invalid, 🙂 deleted, 🎉 held back)", n, got)
	}
	if c.SkippedInvalid != 1 {
		t.Errorf("skipped invalid = %d, want 1 (🦋🦋)", c.SkippedInvalid)
	}

	// Still connected, on the first connection, and still applying.
	if !r.Health().Connected || conns.Load() != 1 || c.Reconnects != 0 {
		t.Errorf("connected=%v connections=%d reconnects=%d, want one connection kept", r.Health().Connected, conns.Load(), c.Reconnects)
	}
	heldURI := syntax.ATURI("")
	for _, op := range held.commit.Ops {
		if rk, ok := isOurs(op.Path); ok {
			heldURI = statusURI(syntax.DID(held.commit.Repo), syntax.RecordKey(rk))
		}
	}
	release <- struct{}{}
	waitFor(t, 5*time.Second, "a good frame after the bad ones to be applied", func() bool {
		s, ok := stored(t, st, heldURI)
		return ok && s.Status == "🎉"
	})
}
