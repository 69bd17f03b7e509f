package app_test

import (
	"encoding/json"

	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/pds"
	"github.com/statusphere/statusphere/internal/testnet"
)

// writeStatuses writes n statuses to acct's repo in batches of one
// applyWrites each (statuses of one batch share a commit, so the app
// indexes them at the same instant), createdAt one second apart.
func writeStatuses(t *testing.T, acct *testnet.Account, n, batch int) {
	t.Helper()
	start := time.Now().Add(-time.Duration(n) * time.Second)
	for i := 0; i < n; i += batch {
		var writes []pds.Write
		for j := i; j < min(i+batch, n); j++ {
			writes = append(writes, pds.Write{Action: pds.ActionCreate, Collection: statusNSID, Record: map[string]any{
				"$type": statusNSID, "status": "🦋", "createdAt": lexicon.FormatDatetime(start.Add(time.Duration(j) * time.Second)),
			}})
		}
		if _, err := pds.ApplyWrites(t.Context(), acct.Session(), acct.DID, writes, pds.WriteOptions{}); err != nil {
			t.Fatalf("applyWrites: %v", err)
		}
	}
}

// TestXRPCQueries: the app's XRPC queries against statuses written to the
// real PDS and ingested from its firehose: paging through 120 statuses
// returns each once, in the timeline's order; every answer validates
// against its lexicon; a note's field of another app appears verbatim;
// bad parameters are 400 with the XRPC error shape; unknown methods 501.
func TestXRPCQueries(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("alice"))
	alice := n.Account("alice")
	a := startApp(t, n, dbFile(t))
	ctx := t.Context()

	writeStatuses(t, alice, 119, 30)
	last, err := alice.CreateRecord(ctx, statusNSID, "", statusRecord("🚀"), nil)
	if err != nil {
		t.Fatal(err)
	}
	noteRec := noteRecord("shipping today")
	noteRec["com.example.mood"] = map[string]any{"level": 3, "tags": []string{"a", "b"}}
	off := false
	if _, err := alice.CreateRecord(ctx, noteNSID, last.URI.RecordKey().String(), noteRec, &off); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 60*time.Second, "the 120 statuses and the note to be stored", func() bool {
		c, err := a.Store.CountStatuses(ctx)
		_, nerr := a.Store.Note(ctx, syntax.ATURI(strings.Replace(last.URI.String(), statusNSID, noteNSID, 1)))
		return err == nil && c == 120 && nerr == nil
	})

	t.Run("paging", func(t *testing.T) {
		want, err := a.Store.Timeline(ctx, 200, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		for _, limit := range []string{"7", "50", "100"} {
			var got []syntax.ATURI
			for _, v := range timelineViews(t, a, limit) {
				got = append(got, v.URI)
			}
			var wantURIs []syntax.ATURI
			for _, e := range want {
				wantURIs = append(wantURIs, e.URI)
			}
			if !slices.Equal(got, wantURIs) {
				t.Errorf("limit %s: paged through %d statuses, want the timeline's %d in its order", limit, len(got), len(wantURIs))
			}
		}
	})
	t.Run("one status and the current one", func(t *testing.T) {
		for _, q := range []struct {
			nsid   syntax.NSID
			params url.Values
		}{
			{lexicon.GetStatusNSID, url.Values{"uri": {last.URI.String()}}},
			{lexicon.GetActorStatusNSID, url.Values{"actor": {alice.Handle.String()}}},
			{lexicon.GetActorStatusNSID, url.Values{"actor": {alice.DID.String()}}},
		} {
			code, body := xrpcGet(t, a, q.nsid, q.params)
			var out struct{ Status viewJSON }
			if err := json.Unmarshal(body, &out); code != http.StatusOK || err != nil {
				t.Fatalf("%s %v = %d %s", q.nsid, q.params, code, body)
			}
			if out.Status.URI != last.URI || out.Status.CID != last.CID || out.Status.Author.Handle != alice.Handle.String() {
				t.Errorf("%s %v = %s, want %s by %s", q.nsid, q.params, body, last.URI, alice.Handle)
			}
			if !strings.Contains(string(out.Status.Note), extraField) || out.Status.noteText(t) != "shipping today" {
				t.Errorf("%s: note %s, want it verbatim with %s", q.nsid, out.Status.Note, extraField)
			}
		}
	})
	t.Run("errors", func(t *testing.T) { checkXRPCErrors(t, a, alice) })
}

// checkXRPCErrors: bad parameters are 400 with the XRPC error shape (the
// lexicon's error name where it declares one), unknown methods 501.
func checkXRPCErrors(t *testing.T, a *running, alice *testnet.Account) {
	missing := "at://" + alice.DID.String() + "/" + statusNSID + "/" + syntax.NewTIDNow(0).String()
	for _, tc := range []struct {
		path, name string
		code       int
	}{
		{"org.gostatusphere.getTimeline?limit=0", "InvalidRequest", 400},
		{"org.gostatusphere.getTimeline?limit=101", "InvalidRequest", 400},
		{"org.gostatusphere.getTimeline?limit=ten", "InvalidRequest", 400},
		{"org.gostatusphere.getTimeline?cursor=garbage", "InvalidCursor", 400},
		{"org.gostatusphere.getStatus", "InvalidRequest", 400},
		{"org.gostatusphere.getStatus?uri=not-an-at-uri", "InvalidRequest", 400},
		{"org.gostatusphere.getStatus?uri=" + url.QueryEscape(missing), "StatusNotFound", 400},
		{"org.gostatusphere.getActorStatus", "InvalidRequest", 400},
		{"org.gostatusphere.getActorStatus?actor=" + url.QueryEscape("bad handle!"), "InvalidRequest", 400},
		{"org.gostatusphere.getActorStatus?actor=nobody.test", "StatusNotFound", 400},
		{"com.example.nothing", "MethodNotImplemented", 501},
	} {
		code, body := get(t, http.DefaultClient, a.URL()+"/xrpc/"+tc.path)
		var e struct{ Error, Message string }
		if err := json.Unmarshal([]byte(body), &e); err != nil || code != tc.code || e.Error != tc.name || e.Message == "" {
			t.Errorf("GET /xrpc/%s = %d %s, want %d {\"error\":%q,\"message\":…}", tc.path, code, body, tc.code, tc.name)
		}
	}
}
