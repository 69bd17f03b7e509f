package ingest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/collection"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/testnet"
)

const noteCollection = string(collection.NoteNSID)

func noteRecord(text string, extra ...any) map[string]any {
	rec := map[string]any{"$type": noteCollection, "text": text, "createdAt": syntax.DatetimeNow().String()}
	for i := 0; i+1 < len(extra); i += 2 {
		rec[extra[i].(string)] = extra[i+1]
	}
	return rec
}

// registered lists the collections of the default registry (the status
// and its note), as Jetstream's wantedCollections name them.
func registered(t testing.TB) []string {
	var out []string
	for _, nsid := range collection.Default(catalog(t)).NSIDs() {
		out = append(out, nsid.String())
	}
	return out
}

// storedNote reads the note at uri; ok false when none is stored.
func storedNote(t testing.TB, st *store.Store, uri syntax.ATURI) (store.Note, bool) {
	t.Helper()
	n, err := st.Note(context.Background(), uri)
	if errors.Is(err, store.ErrNotFound) {
		return store.Note{}, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return n, true
}

// TestIngestNoteJetstream: org.gostatusphere.note records from Jetstream
// (JSON, the path the firehose tests do not take) go through their own
// handler: created, updated, deleted; an orphan note and the note of a
// deleted status are stored and unseen; an invalid note is skipped and
// counted; unknown fields are kept.
func TestIngestNoteJetstream(t *testing.T) {
	net := startNet(t, testnet.WithAccounts("alice"))
	js := startFakeJetstream(t, net.FirehoseURL())
	st, _ := openStore(t)
	cfg := Config{Source: SourceJetstream, JetstreamURL: "ws" + strings.TrimPrefix(js.URL, "http") + "/subscribe"}
	r := startIngester(t, cfg, Deps{Store: st, Validator: catalog(t)})
	r.waitConnected(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	alice := net.Account("alice")

	status, err := alice.CreateRecord(ctx, Collection, "", statusRecord("🚀"), nil)
	if err != nil {
		t.Fatal(err)
	}
	rkey := status.URI.RecordKey().String()
	note, err := alice.CreateRecord(ctx, noteCollection, rkey, noteRecord("draft", "com.example.mood", map[string]any{"level": 3}), noValidate)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the note", func() bool { n, ok := storedNote(t, st, note.URI); return ok && n.CID == note.CID })
	if n, _ := storedNote(t, st, note.URI); n.Text != "draft" || !strings.Contains(string(n.Record), `"com.example.mood":{"level":3}`) {
		t.Errorf("stored %+v, want the text and the unknown field kept", n)
	}
	if e, err := st.StatusEntry(ctx, status.URI); err != nil || e.Note == nil || e.Note.Text != "draft" {
		t.Errorf("the status's entry %+v, %v: want its note", e, err)
	}

	updated, err := alice.PutRecord(ctx, noteCollection, rkey, noteRecord("final"), noValidate)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the update", func() bool {
		n, ok := storedNote(t, st, note.URI)
		return ok && n.CID == updated.CID && n.Text == "final"
	})

	bad, err := alice.CreateRecord(ctx, noteCollection, syntax.NewTIDNow(0).String(), noteRecord(""), noValidate)
	if err != nil {
		t.Fatal(err)
	}
	orphan, err := alice.CreateRecord(ctx, noteCollection, syntax.NewTIDNow(0).String(), noteRecord("orphan"), noValidate)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the orphan note", func() bool { _, ok := storedNote(t, st, orphan.URI); return ok })
	if _, ok := storedNote(t, st, bad.URI); ok {
		t.Errorf("invalid note %s stored", bad.URI)
	}

	// Deleting the status hides the note, which stays; deleting the note
	// removes it.
	if err := alice.DeleteRecord(ctx, Collection, rkey); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the status delete", func() bool { _, ok := stored(t, st, status.URI); return !ok })
	if _, ok := storedNote(t, st, note.URI); !ok {
		t.Error("deleting the status removed its note")
	}
	if entries, err := st.Timeline(ctx, 10, time.Time{}); err != nil || len(entries) != 0 {
		t.Errorf("timeline %+v, %v: want nothing shown", entries, err)
	}
	if err := alice.DeleteRecord(ctx, noteCollection, rkey); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the note delete", func() bool { _, ok := storedNote(t, st, note.URI); return !ok })

	if c := r.Health().Counts; c.SkippedInvalid != 1 {
		t.Errorf("counts %+v, want the invalid note counted", c)
	}
}
