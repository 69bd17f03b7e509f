package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/atclient"

	"github.com/statusphere/statusphere/internal/oauth"
)

// postStatusAs builds a POST /status as alice (logged in) with body.
func postStatusAs(body string) func(*testing.T, *testEnv) *http.Request {
	return func(t *testing.T, e *testEnv) *http.Request {
		return request(http.MethodPost, "/status", body, e.session(t, aliceDID))
	}
}

// refused checks a refused post: code, the message, and nothing written.
func refused(code int, parts ...string) func(*testing.T, *testEnv, *httptest.ResponseRecorder) {
	return func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
		t.Helper()
		checkResponse(t, w, code, parts...)
		if n := len(e.records.writes()); n != 0 {
			t.Errorf("%d records reached the PDS", n)
		}
		if len(e.logs.errorLines()) != 0 {
			t.Errorf("a refused post logged an ERROR:\n%s", e.logs)
		}
	}
}

// recordJSON matches the record the generated type writes.
var recordJSON = regexp.MustCompile(`^\{"\$type":"xyz\.statusphere\.status","createdAt":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","status":"🦋"\}$`)

func statusCases() []routeCase {
	return []routeCase{
		{name: "form_post", setup: postStatusAs("status=%F0%9F%A6%8B"), check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			checkResponse(t, w, http.StatusSeeOther)
			writes := e.records.writes()
			if len(writes) != 1 {
				t.Fatalf("%d writes, want 1", len(writes))
			}
			got := writes[0]
			if got.repo != aliceDID || got.collection != statusNSID || !recordJSON.MatchString(got.json) {
				t.Errorf("wrote %+v", got)
			}
			st, err := e.st.LatestStatus(t.Context(), aliceDID)
			if err != nil || st.Status != "🦋" || st.RKey != got.rkey || st.CID != "bafyfake1" || string(st.Record) != got.json {
				t.Errorf("stored %+v, %v", st, err)
			}
		}},
		{name: "json_post", setup: postStatusAs(`{"status":"🦋"}`), check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			checkResponse(t, w, http.StatusOK)
			var v statusView
			if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
				t.Fatal(err)
			}
			if v.Status != "🦋" || !strings.HasPrefix(v.URI, "at://"+aliceDID.String()+"/xyz.statusphere.status/") || !v.Today {
				t.Errorf("answer %+v", v)
			}
		}},
		{name: "no_session", setup: func(*testing.T, *testEnv) *http.Request {
			return request(http.MethodPost, "/status", `{"status":"🦋"}`, "")
		}, check: refused(http.StatusUnauthorized, `"error"`, "log in")},
		{name: "invalid_emoji", setup: postStatusAs(`{"status":"🦋🦋"}`), check: refused(http.StatusBadRequest, "Invalid status", "grapheme")},
		{name: "empty", setup: postStatusAs(`{"status":""}`), check: refused(http.StatusBadRequest, "Invalid status")},
		{name: "too_long", setup: postStatusAs(`{"status":"` + strings.Repeat("a", 33) + `"}`), check: refused(http.StatusBadRequest, "Invalid status")},
		{name: "not_a_string", setup: postStatusAs(`{"status":5}`), check: refused(http.StatusBadRequest, "must be a string")},
		{name: "missing", setup: postStatusAs(`{}`), check: refused(http.StatusBadRequest, "required")},
		{name: "not_json", setup: postStatusAs(`{"status":`), check: refused(http.StatusBadRequest, "not a JSON object")},
		{name: "form_invalid_emoji", setup: postStatusAs("status=ab"), check: refused(http.StatusBadRequest, `class="error"`, "Invalid status")},
		{name: "invalid_utf8", setup: postStatusAs("status=%FF"), check: refused(http.StatusBadRequest, "not valid UTF-8")},
		{name: "cross_site", setup: func(t *testing.T, e *testEnv) *http.Request {
			return crossSite(postStatusAs("status=%F0%9F%A6%8B")(t, e))
		}, check: refused(http.StatusForbidden)},
		{name: "session_gone", setup: func(t *testing.T, e *testEnv) *http.Request {
			e.auth.sessionErr = oauth.ErrSessionNotFound
			return postStatusAs(`{"status":"🦋"}`)(t, e)
		}, check: func(t *testing.T, e *testEnv, w *httptest.ResponseRecorder) {
			refused(http.StatusUnauthorized, "session has ended")(t, e, w)
			if e.hasSession(t, aliceDID) {
				t.Error("the web session outlived its OAuth session")
			}
		}},
		{name: "pds_refuses", setup: func(t *testing.T, e *testEnv) *http.Request {
			e.records.createErr = &atclient.APIError{StatusCode: http.StatusForbidden, Name: "Forbidden"}
			return postStatusAs(`{"status":"🦋"}`)(t, e)
		}, check: refused(http.StatusUnauthorized, "session has ended")},
		{name: "pds_down", setup: func(t *testing.T, e *testEnv) *http.Request {
			e.records.createErr = errors.New("connection refused")
			return postStatusAs(`{"status":"🦋"}`)(t, e)
		}, check: refused(http.StatusBadGateway, "Could not write your status")},
	}
}

// TestStatusPostPublishesLive: a posted status reaches the live hub at
// once, under its real AT-URI.
func TestStatusPostPublishesLive(t *testing.T) {
	e := newTestEnv(t)
	ch, cancel := e.s.Live.subscribe()
	defer cancel()
	w := e.do(postStatusAs(`{"status":"🦋"}`)(t, e))
	checkResponse(t, w, http.StatusOK)
	select {
	case ev := <-ch:
		if v := ev.status; ev.name != "status" || v.Status != "🦋" || !strings.HasPrefix(v.URI, "at://"+aliceDID.String()+"/") {
			t.Errorf("published %+v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nothing published")
	}
}
