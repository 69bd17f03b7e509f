package ingest

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/events"
	"github.com/gorilla/websocket"
)

// TestIngestFutureCursorAndOutdatedCursor: a server that answers our cursor
// with the FutureCursor error makes the consumer continue from live events
// (the stored cursor may go down); an OutdatedCursor #info is logged and
// the stream goes on.
func TestIngestFutureCursorAndOutdatedCursor(t *testing.T) {
	frames, dir := recordedFrames(t)
	status := statusCommits(frames)[0]
	var errFrame bytes.Buffer
	if err := (&events.EventHeader{Op: events.EvtKindErrorFrame}).MarshalCBOR(&errFrame); err != nil {
		t.Fatal(err)
	}
	if err := (&events.ErrorFrame{Error: "FutureCursor", Message: "cursor in the future"}).MarshalCBOR(&errFrame); err != nil {
		t.Fatal(err)
	}
	msg := "cursor older than the backfill window"
	info := encodeFrame(t, &frame{kind: kindInfo, info: &comatproto.SyncSubscribeRepos_Info{Name: "OutdatedCursor", Message: &msg}})
	cp := *status.commit
	cp.Seq = 5
	good := encodeFrame(t, &frame{kind: kindCommit, commit: &cp})

	var (
		mu    sync.Mutex
		dials []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cursor := r.URL.Query().Get("cursor")
		mu.Lock()
		dials = append(dials, cursor)
		mu.Unlock()
		conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		if cursor != "" {
			_ = conn.WriteMessage(websocket.BinaryMessage, errFrame.Bytes())
			return
		}
		for _, b := range [][]byte{info, good} {
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
	defer srv.Close()

	st, _ := openStore(t)
	u, _ := url.Parse(srv.URL)
	if err := st.SetCursor(context.Background(), "relay:"+u.Host, 1000); err != nil {
		t.Fatal(err)
	}
	r := startIngester(t, Config{RelayURL: "ws" + strings.TrimPrefix(srv.URL, "http"), DisableLease: true},
		Deps{Store: st, Directory: dir, Validator: catalog(t)})
	waitFor(t, 5*time.Second, "the status after the reconnect", func() bool { return r.Health().Cursor == 5 })
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(dials, []string{"1000", ""}) {
		t.Errorf("dialled with cursors %q, want 1000 then none", dials)
	}
	c := r.Health().Counts
	if c.Applied != 1 || c.Reconnects != 1 {
		t.Errorf("counts %+v, want 1 applied after 1 reconnect", c)
	}
	if got := float64(r.m.events.get(kindInfo)); got != 1 {
		t.Errorf("#info events = %v, want 1", got)
	}
}
