package web

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/store"
)

// addEntry stores a status with a real record and CID, as the ingester
// would, and a note on it when note is not "" (its record JSON verbatim).
func (e *testEnv) addEntry(tb testing.TB, did syntax.DID, rkey, emoji, note string, at time.Time) store.Status {
	tb.Helper()
	rec := `{"$type":"xyz.statusphere.status","status":"` + emoji + `","createdAt":"` + lexicon.FormatDatetime(at) + `"}`
	row := store.Status{
		URI: syntax.ATURI("at://" + did.String() + "/xyz.statusphere.status/" + rkey), AuthorDID: did, RKey: syntax.RecordKey(rkey),
		Status: emoji, CID: fakeCID([]byte(rec)), Record: []byte(rec), CreatedAt: at, IndexedAt: at,
	}
	if err := e.st.UpsertStatus(tb.Context(), row); err != nil {
		tb.Fatal(err)
	}
	if note != "" {
		n := store.Note{
			URI: syntax.ATURI("at://" + did.String() + "/org.gostatusphere.note/" + rkey), AuthorDID: did, RKey: syntax.RecordKey(rkey),
			Text: "n", CID: fakeCID([]byte(note)), Record: []byte(note), CreatedAt: at, IndexedAt: at,
		}
		if err := e.st.UpsertNote(tb.Context(), n); err != nil {
			tb.Fatal(err)
		}
	}
	return row
}

// tidAt is a record key for the i-th test status.
func tidAt(i int) string {
	return syntax.NewTID(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()+int64(i), 0).String()
}

// xrpcOK checks a 200 answer whose body validates against nsid's output
// schema, and decodes it into out.
func xrpcOK(t *testing.T, e *testEnv, w *httptest.ResponseRecorder, nsid syntax.NSID, out any) {
	t.Helper()
	checkResponse(t, w, http.StatusOK)
	cat := e.s.Lexicons.(*lexicon.Catalog)
	if err := cat.ValidateOutputJSON(nsid, w.Body.Bytes()); err != nil {
		t.Fatalf("the answer does not validate against %s: %v\n%s", nsid, err, w.Body.String())
	}
	if err := json.Unmarshal(w.Body.Bytes(), out); err != nil {
		t.Fatal(err)
	}
}

// xrpcErr checks an XRPC error answer: status, error name, a message.
func xrpcErr(code int, name string, msgParts ...string) func(*testing.T, *testEnv, *httptest.ResponseRecorder) {
	return func(t *testing.T, _ *testEnv, w *httptest.ResponseRecorder) {
		t.Helper()
		checkResponse(t, w, code)
		var body struct{ Error, Message string }
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error != name || body.Message == "" {
			t.Fatalf("error body %s (%v), want error %q and a message", w.Body.String(), err, name)
		}
		for _, p := range msgParts {
			if !strings.Contains(body.Message, p) {
				t.Errorf("message %q lacks %q", body.Message, p)
			}
		}
	}
}

type timelineOut struct {
	Cursor   *string
	Statuses []struct {
		URI    string `json:"uri"`
		CID    string `json:"cid"`
		Author struct{ DID, Handle string }
		Status json.RawMessage `json:"status"`
		Note   json.RawMessage `json:"note"`
	}
}

// noteJSON is a note record with another app's field, stored verbatim.
const noteJSON = `{"$type":"org.gostatusphere.note","text":"shipping today","createdAt":"2026-01-01T00:00:00.000Z","com.example.mood":{"level":3}}`

// xrpcQueryCases are the cases of GET /xrpc/{nsid}.
func xrpcQueryCases() []routeCase { return append(timelineQueryCases(), statusQueryCases()...) }

func timelineQueryCases() []routeCase {
	return []routeCase{
		{name: "timeline_pages", setup: func(t *testing.T, e *testEnv) *http.Request {
			base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for i := range 7 {
				e.addEntry(t, bobDID, tidAt(i), "🦋", "", base.Add(time.Duration(i/2)*time.Second)) // pairs share an instant
			}
			return get("/xrpc/org.gostatusphere.getTimeline?limit=3")(t, e)
		}, check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			seen := map[string]bool{}
			var order []string
			for page := 0; ; page++ {
				var out timelineOut
				xrpcOK(t, e, w, lexicon.GetTimelineNSID, &out)
				for _, s := range out.Statuses {
					if seen[s.URI] {
						t.Errorf("page %d repeats %s", page, s.URI)
					}
					seen[s.URI] = true
					order = append(order, s.URI)
					if s.Author.Handle != "handle.invalid" && s.Author.Handle != "bob.test" {
						t.Errorf("author %+v", s.Author)
					}
				}
				if out.Cursor == nil {
					break
				}
				if page > 5 {
					t.Fatal("paging does not end")
				}
				w = e.do(get("/xrpc/org.gostatusphere.getTimeline?limit=3&cursor="+url.QueryEscape(*out.Cursor))(t, e))
			}
			if len(order) != 7 {
				t.Fatalf("paged through %d statuses, want 7", len(order))
			}
			want, err := e.st.Timeline(t.Context(), 10, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if order[i] != want[i].URI.String() {
					t.Errorf("status %d is %s, want %s (the timeline's order)", i, order[i], want[i].URI)
				}
			}
		}},
		{name: "timeline_note_verbatim", setup: func(t *testing.T, e *testEnv) *http.Request {
			e.addEntry(t, aliceDID, tidAt(1), "🚀", noteJSON, time.Now())
			e.addEntry(t, bobDID, tidAt(2), "🦋", "", time.Now())
			return get("/xrpc/org.gostatusphere.getTimeline")(t, e)
		}, check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			var out timelineOut
			xrpcOK(t, e, w, lexicon.GetTimelineNSID, &out)
			if len(out.Statuses) != 2 || out.Cursor != nil {
				t.Fatalf("answer %s", w.Body.String())
			}
			for _, s := range out.Statuses {
				switch {
				case strings.Contains(s.URI, aliceDID.String()):
					if string(s.Note) != noteJSON {
						t.Errorf("note %s, want verbatim %s", s.Note, noteJSON)
					}
				case s.Note != nil:
					t.Errorf("bob's status has note %s", s.Note)
				}
			}
		}},
		{name: "timeline_empty", setup: get("/xrpc/org.gostatusphere.getTimeline"), check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			var out timelineOut
			xrpcOK(t, e, w, lexicon.GetTimelineNSID, &out)
			if out.Statuses == nil || len(out.Statuses) != 0 || out.Cursor != nil {
				t.Errorf("answer %s", w.Body.String())
			}
		}},
		{name: "limit_too_big", setup: get("/xrpc/org.gostatusphere.getTimeline?limit=101"), check: xrpcErr(http.StatusBadRequest, "InvalidRequest", "limit")},
		{name: "limit_not_a_number", setup: get("/xrpc/org.gostatusphere.getTimeline?limit=x"), check: xrpcErr(http.StatusBadRequest, "InvalidRequest", "limit")},
		{name: "bad_cursor", setup: get("/xrpc/org.gostatusphere.getTimeline?cursor=nope"), check: xrpcErr(http.StatusBadRequest, "InvalidCursor", "cursor")},
	}
}

func statusQueryCases() []routeCase {
	return []routeCase{
		{name: "status_by_uri", setup: func(t *testing.T, e *testEnv) *http.Request {
			st := e.addEntry(t, aliceDID, tidAt(1), "🚀", noteJSON, time.Now())
			return get("/xrpc/org.gostatusphere.getStatus?uri="+url.QueryEscape(st.URI.String()))(t, e)
		}, check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			var out struct {
				Status struct{ Note json.RawMessage }
			}
			xrpcOK(t, e, w, lexicon.GetStatusNSID, &out)
			if string(out.Status.Note) != noteJSON {
				t.Errorf("note %s", out.Status.Note)
			}
		}},
		{name: "status_not_found", setup: get("/xrpc/org.gostatusphere.getStatus?uri=" + url.QueryEscape("at://"+aliceDID.String()+"/xyz.statusphere.status/"+tidAt(9))),
			check: xrpcErr(http.StatusBadRequest, "StatusNotFound")},
		{name: "status_bad_uri", setup: get("/xrpc/org.gostatusphere.getStatus?uri=https://example.com/x"), check: xrpcErr(http.StatusBadRequest, "InvalidRequest", "uri")},
		{name: "status_no_uri", setup: get("/xrpc/org.gostatusphere.getStatus"), check: xrpcErr(http.StatusBadRequest, "InvalidRequest", "uri", "required")},
		{name: "actor_by_handle", setup: func(t *testing.T, e *testEnv) *http.Request {
			e.addEntry(t, aliceDID, tidAt(1), "🐢", "", time.Now().Add(-time.Hour))
			e.addEntry(t, aliceDID, tidAt(2), "🚀", noteJSON, time.Now())
			return get("/xrpc/org.gostatusphere.getActorStatus?actor=alice.test")(t, e)
		}, check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			var out struct {
				Status struct {
					URI    string `json:"uri"`
					Status struct{ Status string }
					Note   json.RawMessage
				}
			}
			xrpcOK(t, e, w, lexicon.GetActorStatusNSID, &out)
			if out.Status.Status.Status != "🚀" || !strings.HasSuffix(out.Status.URI, tidAt(2)) || string(out.Status.Note) != noteJSON {
				t.Errorf("answer %s", w.Body.String())
			}
		}},
		{name: "actor_by_did", setup: func(t *testing.T, e *testEnv) *http.Request {
			e.addEntry(t, bobDID, tidAt(1), "🦋", "", time.Now())
			return get("/xrpc/org.gostatusphere.getActorStatus?actor="+bobDID.String())(t, e)
		}, check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			var out struct{ Status struct{ URI string } }
			xrpcOK(t, e, w, lexicon.GetActorStatusNSID, &out)
		}},
		{name: "actor_without_status", setup: get("/xrpc/org.gostatusphere.getActorStatus?actor=bob.test"), check: xrpcErr(http.StatusBadRequest, "StatusNotFound")},
		{name: "actor_unknown_handle", setup: get("/xrpc/org.gostatusphere.getActorStatus?actor=nobody.test"), check: xrpcErr(http.StatusBadRequest, "StatusNotFound")},
		{name: "actor_malformed", setup: get("/xrpc/org.gostatusphere.getActorStatus?actor=not%20a%20handle"), check: xrpcErr(http.StatusBadRequest, "InvalidRequest", "actor")},
		{name: "actor_missing", setup: get("/xrpc/org.gostatusphere.getActorStatus"), check: xrpcErr(http.StatusBadRequest, "InvalidRequest", "actor")},
		{name: "unknown_method", setup: get("/xrpc/com.example.nothing"), check: xrpcErr(http.StatusNotImplemented, "MethodNotImplemented", "com.example.nothing")},
	}
}

func xrpcOtherMethodCases() []routeCase {
	return []routeCase{
		{name: "post_to_a_query", setup: func(t *testing.T, e *testEnv) *http.Request {
			return request(http.MethodPost, "/xrpc/org.gostatusphere.getTimeline", `{}`, "")
		}, check: xrpcErr(http.StatusMethodNotAllowed, "InvalidRequest", "GET")},
		{name: "post_to_viewer_status", setup: func(t *testing.T, e *testEnv) *http.Request {
			return request(http.MethodPost, "/xrpc/org.gostatusphere.getViewerStatus", `{}`, "")
		}, check: xrpcErr(http.StatusMethodNotAllowed, "InvalidRequest", "GET")},
		{name: "unknown_procedure", setup: func(t *testing.T, e *testEnv) *http.Request {
			return request(http.MethodPost, "/xrpc/com.example.doThing", `{}`, "")
		}, check: xrpcErr(http.StatusNotImplemented, "MethodNotImplemented")},
	}
}

// TestCursorRoundTrip: a cursor names the position it was made from, and
// garbage is refused.
func TestCursorRoundTrip(t *testing.T) {
	k := store.TimelineKey{IndexedAt: time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC), URI: "at://did:plc:abc/xyz.statusphere.status/3jzfcijpj2z2a"}
	got, err := decodeCursor(encodeCursor(k))
	if err != nil || !got.IndexedAt.Equal(k.IndexedAt) || got.URI != k.URI {
		t.Errorf("round trip: %+v, %v", got, err)
	}
	for _, bad := range []string{"", "!!", "eA", encodeCursorRaw("12 not-a-uri"), encodeCursorRaw("x at://did:plc:abc/a.b.c/d")} {
		if _, err := decodeCursor(bad); err == nil {
			t.Errorf("decodeCursor(%q) succeeded", bad)
		}
	}
}

func encodeCursorRaw(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
