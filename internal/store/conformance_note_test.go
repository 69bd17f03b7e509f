package store_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store"
)

func noteURI(author syntax.DID, rkey string) syntax.ATURI {
	return syntax.ATURI("at://" + string(author) + "/org.gostatusphere.note/" + rkey)
}

// newNote returns a note by author on the status with record key rkey.
func newNote(author syntax.DID, rkey, text, rev string) store.Note {
	return store.Note{
		URI: noteURI(author, rkey), AuthorDID: author, RKey: syntax.RecordKey(rkey), Text: text,
		CID: "bafyreinote" + rkey, Rev: rev,
		Record:    []byte(`{"$type":"org.gostatusphere.note","text":"` + text + `","createdAt":"2026-03-14T15:09:26.535Z","x":{"y":[1]}}`),
		CreatedAt: t0, IndexedAt: t0,
	}
}

func mustUpsertNote(t *testing.T, s *store.Store, ns ...store.Note) {
	t.Helper()
	for _, n := range ns {
		if err := s.UpsertNote(t.Context(), n); err != nil {
			t.Fatal(err)
		}
	}
}

// noteOf returns the text of the note the timeline shows on uri's status,
// "" for none, and whether the status is in the timeline at all.
func noteOf(entries []store.TimelineEntry, uri syntax.ATURI) (string, bool) {
	for _, e := range entries {
		if e.URI == uri {
			if e.Note == nil {
				return "", true
			}
			return e.Note.Text, true
		}
	}
	return "", false
}

// testNoteJoin: the timeline and the one-status reads show a status's note
// (same author and record key), record bytes exact; a note without its
// status is stored but shows nowhere, and shows once the status arrives;
// deleting the status hides the note, which stays stored.
func testNoteJoin(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a, b := newStatus(did(1), "3jzfcijpj2z2a", "🚀", t0, t0), newStatus(did(2), "3jzfcijpj2z2a", "🦋", t0, t0.Add(time.Second))
	mustUpsert(t, s, a, b)
	n := newNote(did(1), "3jzfcijpj2z2a", "shipping today", "")
	orphan := newNote(did(1), "3jzfcijpj2z2z", "early", "")
	mustUpsertNote(t, s, n, orphan)

	entries := mustTimeline(t, s, 10, time.Time{})
	if len(entries) != 2 {
		t.Fatalf("timeline has %d entries, want the 2 statuses (a note is no entry)", len(entries))
	}
	if text, _ := noteOf(entries, a.URI); text != "shipping today" {
		t.Errorf("a's note %q", text)
	}
	if text, _ := noteOf(entries, b.URI); text != "" {
		t.Errorf("b (another author, same rkey) shows note %q", text)
	}
	for _, e := range entries {
		if e.URI == a.URI && (e.Note.URI != n.URI || e.Note.CID != n.CID || !bytes.Equal(e.Note.Record, n.Record)) {
			t.Errorf("joined note %+v, want %+v", e.Note, n)
		}
	}
	if e, err := s.StatusEntry(ctx, a.URI); err != nil || e.Note == nil || e.Note.Text != "shipping today" {
		t.Errorf("StatusEntry(a) = %+v, %v", e, err)
	}
	if e, err := s.LatestStatusEntry(ctx, did(1)); err != nil || e.URI != a.URI || e.Note == nil {
		t.Errorf("LatestStatusEntry = %+v, %v", e, err)
	}

	// The orphan's status arrives: it shows the note.
	late := newStatus(did(1), "3jzfcijpj2z2z", "🐢", t0, t0.Add(2*time.Second))
	mustUpsert(t, s, late)
	if text, _ := noteOf(mustTimeline(t, s, 10, time.Time{}), late.URI); text != "early" {
		t.Errorf("the late status shows note %q, want early", text)
	}

	// Deleting a status hides its note; the note row stays.
	if err := s.DeleteStatus(ctx, a.URI); err != nil {
		t.Fatal(err)
	}
	if _, shown := noteOf(mustTimeline(t, s, 10, time.Time{}), a.URI); shown {
		t.Errorf("deleted status still in the timeline")
	}
	if got, err := s.Note(ctx, n.URI); err != nil || got.Text != n.Text || !bytes.Equal(got.Record, n.Record) {
		t.Errorf("the note of a deleted status: %+v, %v; want it kept", got, err)
	}
	if _, err := s.StatusEntry(ctx, a.URI); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("StatusEntry of a deleted status: %v", err)
	}

	// Hidden accounts hide their statuses from the one-status reads too.
	if err := s.SetAccountStatus(ctx, did(2), false, "takendown"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StatusEntry(ctx, b.URI); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("StatusEntry of a hidden account's status: %v", err)
	}
	if _, err := s.LatestStatusEntry(ctx, did(2)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LatestStatusEntry of a hidden account: %v", err)
	}
}

// testNoteUpsertDelete: updates replace the text and record, a stale rev
// is ignored, a delete removes the row.
func testNoteUpsertDelete(t *testing.T, s *store.Store) {
	ctx := t.Context()
	mustUpsertNote(t, s, newNote(did(1), "3jzfcijpj2z2a", "one", "3jzfcijpj2z2b"))
	mustUpsertNote(t, s, newNote(did(1), "3jzfcijpj2z2a", "two", "3jzfcijpj2z2c"))
	mustUpsertNote(t, s, newNote(did(1), "3jzfcijpj2z2a", "stale", "3jzfcijpj2z2a"))
	got, err := s.Note(ctx, noteURI(did(1), "3jzfcijpj2z2a"))
	if err != nil || got.Text != "two" || got.Rev != "3jzfcijpj2z2c" || !got.IndexedAt.Equal(t0.Truncate(time.Microsecond)) {
		t.Errorf("after update and stale update: %+v, %v", got, err)
	}
	if err := s.DeleteNote(ctx, got.URI); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Note(ctx, got.URI); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted note: %v", err)
	}
	if err := s.DeleteNote(ctx, got.URI); err != nil {
		t.Errorf("deleting a missing note: %v", err)
	}
}

// testReplaceNotes: a snapshot's notes replace the author's.
func testReplaceNotes(t *testing.T, s *store.Store) {
	ctx := t.Context()
	mustUpsertNote(t, s,
		newNote(did(1), "3jzfcijpj2z2a", "gone", ""),
		newNote(did(1), "3jzfcijpj2z2b", "invalid now", ""),
		newNote(did(1), "3jzfcijpj2z2c", "old", ""),
		newNote(did(2), "3jzfcijpj2z2d", "other", ""))
	var removed []syntax.ATURI
	err := s.InTx(ctx, func(tx *store.Tx) error {
		var err error
		removed, err = tx.ReplaceNotes(ctx, did(1),
			[]store.Note{newNote(did(1), "3jzfcijpj2z2c", "new", ""), newNote(did(1), "3jzfcijpj2z2e", "added", "")},
			[]syntax.ATURI{noteURI(did(1), "3jzfcijpj2z2b")})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(removed, []syntax.ATURI{noteURI(did(1), "3jzfcijpj2z2a")}) {
		t.Errorf("removed %v", removed)
	}
	held, err := s.NoteURIsByAuthor(ctx, did(1))
	want := []syntax.ATURI{noteURI(did(1), "3jzfcijpj2z2c"), noteURI(did(1), "3jzfcijpj2z2e")}
	if err != nil || !slices.Equal(held, want) {
		t.Errorf("notes of did(1): %v, %v; want %v", held, err, want)
	}
	if n, err := s.Note(ctx, noteURI(did(1), "3jzfcijpj2z2c")); err != nil || n.Text != "new" {
		t.Errorf("updated note: %+v, %v", n, err)
	}
	if _, err := s.Note(ctx, noteURI(did(2), "3jzfcijpj2z2d")); err != nil {
		t.Errorf("another author's note: %v", err)
	}
}
