package lexicon

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

func TestValidateParams(t *testing.T) {
	c := appCatalog(t)
	tests := []struct {
		name    string
		nsid    syntax.NSID
		query   string
		want    map[string]any
		wantErr string // the ValidationError's Message
	}{
		{"defaults", GetTimelineNSID, "", map[string]any{"limit": int64(50)}, ""},
		{"limit and cursor", GetTimelineNSID, "limit=7&cursor=abc", map[string]any{"limit": int64(7), "cursor": "abc"}, ""},
		{"unknown parameter ignored", GetTimelineNSID, "x=1", map[string]any{"limit": int64(50)}, ""},
		{"limit too big", GetTimelineNSID, "limit=101", nil, "limit: must not be greater than 100"},
		{"limit zero", GetTimelineNSID, "limit=0", nil, "limit: must not be less than 1"},
		{"limit not a number", GetTimelineNSID, "limit=ten", nil, `limit: must be an integer, is "ten"`},
		{"limit twice", GetTimelineNSID, "limit=1&limit=2", nil, "limit: must be given once, is given 2 times"},
		{"cursor too long", GetTimelineNSID, "cursor=" + strings.Repeat("a", 513), nil, "cursor: "},
		{"actor by handle", GetActorStatusNSID, "actor=alice.test", map[string]any{"actor": "alice.test"}, ""},
		{"actor by DID", GetActorStatusNSID, "actor=did:plc:abc", map[string]any{"actor": "did:plc:abc"}, ""},
		{"actor missing", GetActorStatusNSID, "", nil, "actor: required parameter is missing"},
		{"actor malformed", GetActorStatusNSID, "actor=not+a+handle", nil, "actor: "},
		{"uri", GetStatusNSID, "uri=at://did:plc:abc/xyz.statusphere.status/3jzfcijpj2z2a", map[string]any{"uri": "at://did:plc:abc/xyz.statusphere.status/3jzfcijpj2z2a"}, ""},
		{"uri malformed", GetStatusNSID, "uri=https://example.com", nil, "uri: "},
		{"not an endpoint", StatusNSID, "", nil, "schema xyz.statusphere.status is not a query or procedure"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.ValidateParams(tc.nsid, q)
			if tc.wantErr != "" {
				var ve *ValidationError
				if !errors.As(err, &ve) || !strings.Contains(ve.Message()+" "+errString(ve.Err), tc.wantErr) {
					t.Fatalf("ValidateParams(%q) = %v, %v; want error %q", tc.query, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ValidateParams(%q) = %v, %v; want %v", tc.query, got, err, tc.want)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestValidateOutput(t *testing.T) {
	c := appCatalog(t)
	view := `{"uri":"at://did:plc:abc/xyz.statusphere.status/3jzfcijpj2z2a","cid":"bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq",` +
		`"author":{"did":"did:plc:abc","handle":"alice.test"},"status":{"$type":"xyz.statusphere.status","status":"🦋","createdAt":"2026-01-01T00:00:00.000Z"},` +
		`"indexedAt":"2026-01-01T00:00:00.000Z"}`
	tests := []struct {
		name    string
		nsid    syntax.NSID
		body    string
		wantErr string
	}{
		{"timeline", GetTimelineNSID, `{"statuses":[` + view + `],"cursor":"x"}`, ""},
		{"empty timeline", GetTimelineNSID, `{"statuses":[]}`, ""},
		{"status", GetStatusNSID, `{"status":` + view + `}`, ""},
		{"no statuses", GetTimelineNSID, `{}`, "statuses: required field is missing"},
		{"bad handle", GetActorStatusNSID, `{"status":` + strings.Replace(view, "alice.test", "not a handle", 1) + `}`, "status.author.handle"},
		{"status not an object", GetStatusNSID, `{"status":` + strings.Replace(view, `"status":{"$type":"xyz.statusphere.status","status":"🦋","createdAt":"2026-01-01T00:00:00.000Z"}`, `"status":"🦋"`, 1) + `}`, "status.status: must be an object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := c.ValidateOutputJSON(tc.nsid, []byte(tc.body))
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("ValidateOutputJSON = %v, want %q", err, tc.wantErr)
			}
		})
	}
}
