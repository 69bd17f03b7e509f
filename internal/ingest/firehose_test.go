package ingest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/statusphere/statusphere/internal/testnet"
)

func TestIngestFromAnotherApp(t *testing.T) {
	net := startNet(t, testnet.WithAccounts("bob"))
	st, _ := openStore(t)
	r := startIngester(t, Config{RelayURL: net.FirehoseURL()},
		Deps{Store: st, Directory: net.Directory(), Validator: catalog(t), HTTPClient: net.HTTPClient})
	r.waitConnected(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	bob := net.Account("bob")

	// Create, as another app would: straight to the PDS.
	ref, err := bob.CreateRecord(ctx, Collection, "", statusRecord("🦋"), nil)
	if err != nil {
		t.Fatalf("createRecord: %v", err)
	}
	written := time.Now()
	uri := ref.URI
	waitFor(t, 2*time.Second, "the created status to be stored", func() bool { _, ok := stored(t, st, uri); return ok })
	t.Logf("created status stored %s after createRecord returned", time.Since(written).Round(time.Millisecond))
	tl, err := st.Timeline(ctx, 10, time.Time{})
	if err != nil {
		t.Fatalf("timeline: %v", err)
	}
	if len(tl) != 1 || tl[0].URI != uri || tl[0].Status.Status != "🦋" || tl[0].AuthorDID != bob.DID || tl[0].CID != ref.CID {
		t.Fatalf("timeline = %+v, want bob's 🦋 at %s (cid %s)", tl, uri, ref.CID)
	}
	if tl[0].Rev == "" || tl[0].CreatedAt.IsZero() {
		t.Errorf("stored row lacks rev or createdAt: %+v", tl[0].Status)
	}

	// Update with putRecord.
	aturi, _ := syntax.ParseATURI(uri.String())
	rkey := aturi.RecordKey().String()
	ref2, err := bob.PutRecord(ctx, Collection, rkey, statusRecord("🐢"), nil)
	if err != nil {
		t.Fatalf("putRecord: %v", err)
	}
	waitFor(t, 2*time.Second, "the update to be stored", func() bool {
		s, ok := stored(t, st, uri)
		return ok && s.Status == "🐢" && s.CID == ref2.CID
	})
	s, _ := stored(t, st, uri)
	var rec map[string]any
	if err := json.Unmarshal(s.Record, &rec); err != nil || rec["status"] != "🐢" || rec["$type"] != Collection {
		t.Errorf("stored record JSON %s (%v), want the updated record", s.Record, err)
	}

	// Delete.
	if err := bob.DeleteRecord(ctx, Collection, rkey); err != nil {
		t.Fatalf("deleteRecord: %v", err)
	}
	waitFor(t, 2*time.Second, "the delete to be applied", func() bool { _, ok := stored(t, st, uri); return !ok })

	for action, want := range map[string]float64{"create": 1, "update": 1, "delete": 1} {
		if got := metricValue(t, r.m.applied.WithLabelValues(action)); got != want {
			t.Errorf("applied{action=%s} = %v, want %v", action, got, want)
		}
	}
	if c := r.Status().Counts; c.VerificationFailed != 0 || c.Malformed != 0 || c.SkippedInvalid != 0 {
		t.Errorf("counts = %+v, want no failures", c)
	}
	// The cursor is stored and covers the delete.
	waitFor(t, 2*time.Second, "the cursor to be stored", func() bool {
		c, err := st.Cursor(ctx, r.SourceName())
		return err == nil && c > 0 && c == r.Status().Cursor
	})
}
