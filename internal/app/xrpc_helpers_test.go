package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere"
	"github.com/statusphere/statusphere/internal/lexicon"
)

const noteNSID = "org.gostatusphere.note"

// viewJSON is an org.gostatusphere.defs#statusView as a client reads it.
type viewJSON struct {
	URI    syntax.ATURI `json:"uri"`
	CID    string       `json:"cid"`
	Author struct {
		DID    syntax.DID `json:"did"`
		Handle string     `json:"handle"`
	} `json:"author"`
	Status    json.RawMessage `json:"status"`
	Note      json.RawMessage `json:"note"`
	IndexedAt string          `json:"indexedAt"`
}

// noteText is the text of the view's note, "" for none.
func (v viewJSON) noteText(t *testing.T) string {
	t.Helper()
	if v.Note == nil {
		return ""
	}
	var n struct{ Text string }
	if err := json.Unmarshal(v.Note, &n); err != nil {
		t.Fatalf("note of %s: %v", v.URI, err)
	}
	return n.Text
}

// appCatalog is the app's lexicon catalog, for validating answers.
func appCatalog(t *testing.T) *lexicon.Catalog {
	t.Helper()
	c, err := lexicon.Load(statusphere.Lexicons)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// xrpcGet calls an XRPC query of the app and returns the status and body;
// a 200 body must validate against the query's output schema.
func xrpcGet(t *testing.T, a *running, nsid syntax.NSID, params url.Values) (int, []byte) {
	t.Helper()
	code, body := get(t, http.DefaultClient, a.URL()+"/xrpc/"+nsid.String()+"?"+params.Encode())
	if code == http.StatusOK {
		if err := appCatalog(t).ValidateOutputJSON(nsid, []byte(body)); err != nil {
			t.Fatalf("%s answer does not validate: %v\n%s", nsid, err, body)
		}
	}
	return code, []byte(body)
}

// timelineViews pages through getTimeline (limit per page) and returns
// every status view in order.
func timelineViews(t *testing.T, a *running, limit string) []viewJSON {
	t.Helper()
	var out []viewJSON
	params := url.Values{"limit": {limit}}
	for page := 0; ; page++ {
		code, body := xrpcGet(t, a, lexicon.GetTimelineNSID, params)
		if code != http.StatusOK {
			t.Fatalf("getTimeline = %d %s", code, body)
		}
		var res struct {
			Cursor   *string    `json:"cursor"`
			Statuses []viewJSON `json:"statuses"`
		}
		if err := json.Unmarshal(body, &res); err != nil {
			t.Fatal(err)
		}
		out = append(out, res.Statuses...)
		if res.Cursor == nil {
			return out
		}
		if page > 1000 {
			t.Fatal("getTimeline pages without end")
		}
		params.Set("cursor", *res.Cursor)
	}
}
