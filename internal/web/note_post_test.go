package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	ouroauth "github.com/statusphere/statusphere/internal/oauth"
)

// noteJSONRe matches the note record the generated type writes.
var noteJSONRe = regexp.MustCompile(`^\{"\$type":"org\.gostatusphere\.note","createdAt":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","text":"shipping today"\}$`)

// checkPair checks that a post with a note wrote the status and the note
// in one batch (one applyWrites), status first, same record key, the
// status record with only its schema's fields; and that both are stored.
func checkPair(t *testing.T, e *testEnv) {
	t.Helper()
	writes := e.records.writes()
	if len(writes) != 2 || !writes[0].batch || !writes[1].batch {
		t.Fatalf("writes %+v, want the status and its note in one applyWrites", writes)
	}
	st, note := writes[0], writes[1]
	if st.collection != statusNSID || note.collection != noteNSID || st.rkey != note.rkey || st.repo != aliceDID || note.repo != aliceDID {
		t.Errorf("wrote %+v then %+v", st, note)
	}
	if !recordJSON.MatchString(st.json) {
		t.Errorf("status record %s has fields beyond its schema's", st.json)
	}
	if !noteJSONRe.MatchString(note.json) {
		t.Errorf("note record %s", note.json)
	}
	entry, err := e.st.LatestStatusEntry(t.Context(), aliceDID)
	if err != nil || entry.RKey != st.rkey || entry.Note == nil || entry.Note.Text != "shipping today" || string(entry.Note.Record) != note.json {
		t.Errorf("stored %+v, %v", entry, err)
	}
}

func noteCases() []routeCase {
	return []routeCase{
		{name: "form_post_with_note", setup: postStatusAs("status=%F0%9F%A6%8B&note=" + url.QueryEscape("shipping today")), check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			checkResponse(t, w, http.StatusSeeOther)
			checkPair(t, e)
			home := e.do(request(http.MethodGet, "/", "", sessionCookie(aliceDID)))
			checkResponse(t, home, http.StatusOK, `<div class="note">shipping today</div>`, `name="note"`)
		}},
		{name: "json_post_with_note", setup: postStatusAs(`{"status":"🦋","note":"shipping today"}`), check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			checkResponse(t, w, http.StatusOK)
			checkPair(t, e)
			var v statusView
			if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil || v.Status != "🦋" || v.Note != "shipping today" {
				t.Errorf("answer %s (%v)", w.Body.String(), err)
			}
		}},
		{name: "empty_note_is_no_note", setup: postStatusAs("status=%F0%9F%A6%8B&note=++"), check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			checkResponse(t, w, http.StatusSeeOther)
			if writes := e.records.writes(); len(writes) != 1 || writes[0].batch || writes[0].collection != statusNSID {
				t.Errorf("writes %+v, want the status alone", writes)
			}
		}},
		{name: "note_too_long", setup: postStatusAs(`{"status":"🦋","note":"` + strings.Repeat("é", 101) + `"}`), check: refused(http.StatusBadRequest, "Invalid note", "note: text", "100")},
		{name: "note_not_a_string", setup: postStatusAs(`{"status":"🦋","note":5}`), check: refused(http.StatusBadRequest, "Invalid note", "must be a string")},
		{name: "note_not_granted", setup: func(t *testing.T, e *testEnv) *http.Request {
			e.auth.granted = ouroauth.BaseScopes
			return postStatusAs(`{"status":"🦋","note":"shipping today"}`)(t, e)
		}, check: refused(http.StatusForbidden, "Notes are unavailable")},
		{name: "form_note_too_long", setup: postStatusAs("status=%F0%9F%A6%8B&note=" + strings.Repeat("a", 101)), check: refused(http.StatusBadRequest, `class="error"`, "Invalid note")},
	}
}

// TestStatusWithNotePublishesLive: the optimistic path publishes the
// status and its note at once.
func TestStatusWithNotePublishesLive(t *testing.T) {
	e := newTestEnv(t)
	ch, cancel := e.s.Live.subscribe()
	defer cancel()
	checkResponse(t, e.do(postStatusAs(`{"status":"🚀","note":"shipping today"}`)(t, e)), http.StatusOK)
	select {
	case v := <-ch:
		if v.name != "status" || v.status.Status != "🚀" || v.status.Note != "shipping today" {
			t.Errorf("published %+v", v)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nothing published")
	}
}
