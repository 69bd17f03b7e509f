package app_test

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/testnet"
)

// sidecarWant is what the app's views must end up showing of the notes
// one account wrote with another app.
type sidecarWant struct {
	acct   *testnet.Account
	shown  map[syntax.ATURI]string // status → the note text its view shows ("" for none)
	stored map[syntax.ATURI]string // note → its text, stored whether shown or not
	absent []syntax.ATURI          // notes not stored (deleted, invalid)
	extra  syntax.ATURI            // the status whose note has a field of another app
}

// extraField is the field another app added to a note, verbatim.
const extraField = `"com.example.mood":{"level":3,"tags":["a","b"]}`

// noteRecord is a note as another app writes it.
func noteRecord(text string) map[string]any {
	return map[string]any{"$type": noteNSID, "text": text, "createdAt": syntax.DatetimeNow().String()}
}

// writeSidecars writes, straight to acct's PDS as another app would,
// statuses and notes covering every case: a note, a note updated, a note
// deleted, an orphan note, a note whose status is deleted, an invalid
// note and a note with an unknown field. It returns what the views must
// show once the app has them.
func writeSidecars(t *testing.T, acct *testnet.Account) sidecarWant {
	t.Helper()
	ctx := t.Context()
	off := false
	w := sidecarWant{acct: acct, shown: map[syntax.ATURI]string{}, stored: map[syntax.ATURI]string{}}
	must := func(ref testnet.RecordRef, err error) testnet.RecordRef {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return ref
	}
	status := func(emoji string) (syntax.ATURI, string) {
		ref := must(acct.CreateRecord(ctx, statusNSID, "", statusRecord(emoji), nil))
		return ref.URI, ref.URI.RecordKey().String()
	}
	note := func(rkey string, rec map[string]any) syntax.ATURI {
		return must(acct.CreateRecord(ctx, noteNSID, rkey, rec, &off)).URI
	}

	s, k := status("🚀") // a note
	w.shown[s], w.stored[note(k, noteRecord("shipping today"))] = "shipping today", "shipping today"

	s, k = status("🐢") // a note, updated
	n := note(k, noteRecord("draft"))
	must(acct.PutRecord(ctx, noteNSID, k, noteRecord("final"), &off))
	w.shown[s], w.stored[n] = "final", "final"

	s, k = status("🌻") // a note, deleted
	n = note(k, noteRecord("regret"))
	if err := acct.DeleteRecord(ctx, noteNSID, k); err != nil {
		t.Fatal(err)
	}
	w.shown[s], w.absent = "", append(w.absent, n)

	n = note(syntax.NewTIDNow(0).String(), noteRecord("orphan")) // no status with its key
	w.stored[n] = "orphan"

	_, k = status("🎉") // a note whose status is deleted (the status must not show: shown lists every one that does)
	n = note(k, noteRecord("gone"))
	if err := acct.DeleteRecord(ctx, statusNSID, k); err != nil {
		t.Fatal(err)
	}
	w.stored[n] = "gone"

	s, k = status("😀") // an invalid note: 101 graphemes
	w.shown[s], w.absent = "", append(w.absent, note(k, noteRecord(strings.Repeat("a", 101))))

	s, k = status("🦋") // a note with another app's field
	rec := noteRecord("with extra")
	rec["com.example.mood"] = map[string]any{"level": 3, "tags": []string{"a", "b"}}
	w.shown[s], w.stored[note(k, rec)], w.extra = "with extra", "with extra", s
	return w
}

// shownBy returns, from the app's getTimeline, acct's statuses with the
// text of their notes.
func shownBy(t *testing.T, a *running, acct *testnet.Account) map[syntax.ATURI]string {
	t.Helper()
	out := map[syntax.ATURI]string{}
	for _, v := range timelineViews(t, a, "100") {
		if v.Author.DID == acct.DID {
			out[v.URI] = v.noteText(t)
		}
	}
	return out
}

// checkSidecars waits until the app's views show exactly w, then checks
// the stored notes and the unknown field of a note, verbatim.
func checkSidecars(t *testing.T, a *running, w sidecarWant) {
	t.Helper()
	var got map[syntax.ATURI]string
	deadline := time.Now().Add(30 * time.Second)
	for got = shownBy(t, a, w.acct); !maps.Equal(got, w.shown); got = shownBy(t, a, w.acct) {
		if time.Now().After(deadline) {
			t.Fatalf("%s's statuses and notes in the app's timeline:\n got %v\nwant %v", w.acct.Handle, got, w.shown)
		}
		time.Sleep(100 * time.Millisecond)
	}
	ctx := context.Background()
	for uri, text := range w.stored {
		if n, err := a.Store.Note(ctx, uri); err != nil || n.Text != text {
			t.Errorf("note %s stored as %+v, %v; want text %q", uri, n, err, text)
		}
	}
	for _, uri := range w.absent {
		if _, err := a.Store.Note(ctx, uri); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("note %s is stored (%v), want it absent", uri, err)
		}
	}
	code, body := xrpcGet(t, a, lexicon.GetStatusNSID, url.Values{"uri": {w.extra.String()}})
	if code != http.StatusOK || !strings.Contains(string(body), extraField) {
		t.Errorf("getStatus of the note with another app's field = %d %s, want %s verbatim", code, body, extraField)
	}
}

// TestSidecarFromAnotherApp: notes written straight to the PDS by another
// client end up in the app's views exactly as they are in the
// repositories: from a backfill (alice writes before the app first
// starts) and from the live firehose (bob writes while it runs).
func TestSidecarFromAnotherApp(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("alice", "bob"))
	alice, bob := n.Account("alice"), n.Account("bob")

	before := writeSidecars(t, alice)
	a := startApp(t, n, dbFile(t))
	waitBackfilled(t, a.Store)
	t.Run("backfill", func(t *testing.T) {
		checkSidecars(t, a, before)
		if p := a.Backfiller.Progress(); p.Invalid < 1 {
			t.Errorf("backfill progress %+v: the invalid note is not counted", p)
		}
	})

	live := writeSidecars(t, bob)
	t.Run("firehose", func(t *testing.T) {
		checkSidecars(t, a, live)
		if c := a.Ingester.Health().Counts; c.SkippedInvalid < 1 {
			t.Errorf("ingest counts %+v: the invalid note is not counted", c)
		}
	})
}
