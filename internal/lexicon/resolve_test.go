package lexicon

import (
	"errors"
	"strings"
	"testing"

	"github.com/bluesky-social/indigo/atproto/atclient"
	"github.com/bluesky-social/indigo/atproto/syntax"

	statusphere "github.com/statusphere/statusphere"
	"github.com/statusphere/statusphere/internal/lexicon/lexicontest"
	ourpds "github.com/statusphere/statusphere/internal/pds"
)

func statusSchema(t *testing.T) []byte {
	t.Helper()
	b, err := statusphere.Lexicons.ReadFile("lexicons/xyz/statusphere/status.json")
	if err != nil {
		t.Fatalf("reading the app's schema: %v", err)
	}
	return b
}

func TestAuthorityDomain(t *testing.T) {
	tests := []struct{ nsid, want string }{
		{"xyz.statusphere.status", "_lexicon.statusphere.xyz"},
		{"com.example.foo.bar", "_lexicon.foo.example.com"},
		{"COM.Example.thing", "_lexicon.example.com"},
	}
	for _, tc := range tests {
		t.Run(tc.nsid, func(t *testing.T) {
			if got := AuthorityDomain(syntax.NSID(tc.nsid)); got != tc.want {
				t.Errorf("AuthorityDomain(%s) = %s, want %s", tc.nsid, got, tc.want)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	pds := lexicontest.NewFakePDS(t)
	schema := statusSchema(t)
	withType := `{"$type":"com.atproto.lexicon.schema",` + strings.TrimPrefix(strings.TrimSpace(string(schema)), "{")
	didTXT := []string{"did=" + string(pds.DID)}
	tests := []struct {
		name     string
		dns      map[string][]string
		record   string // the stored com.atproto.lexicon.schema record; "" for none
		wantErr  string
		notFound bool
	}{
		{name: "published", dns: map[string][]string{"_lexicon.statusphere.xyz": didTXT}, record: withType},
		{name: "published without $type", dns: map[string][]string{"_lexicon.statusphere.xyz": didTXT}, record: string(schema)},
		{name: "other TXT records ignored", dns: map[string][]string{"_lexicon.statusphere.xyz": {"v=spf1 -all", "did=" + string(pds.DID)}}, record: withType},
		{name: "no DNS record", dns: nil, wantErr: "no _lexicon DNS TXT record", notFound: true},
		{name: "TXT without did", dns: map[string][]string{"_lexicon.statusphere.xyz": {"hello"}}, wantErr: "has no did= record", notFound: true},
		{name: "TXT with a bad DID", dns: map[string][]string{"_lexicon.statusphere.xyz": {"did=nope"}}, wantErr: "is not a DID"},
		{name: "two DIDs", dns: map[string][]string{"_lexicon.statusphere.xyz": {"did=did:plc:aaa", "did=did:plc:bbb"}}, wantErr: "names two DIDs"},
		{name: "not published", dns: map[string][]string{"_lexicon.statusphere.xyz": didTXT}, wantErr: "RecordNotFound"},
		{name: "id is not the record key", dns: map[string][]string{"_lexicon.statusphere.xyz": didTXT},
			record: strings.Replace(withType, `"id": "xyz.statusphere.status"`, `"id": "xyz.statusphere.other"`, 1), wantErr: "which is not its record key"},
		{name: "wrong $type", dns: map[string][]string{"_lexicon.statusphere.xyz": didTXT},
			record: strings.Replace(withType, "com.atproto.lexicon.schema", "com.example.nope", 1), wantErr: `has $type "com.example.nope"`},
		{name: "not a valid schema", dns: map[string][]string{"_lexicon.statusphere.xyz": didTXT},
			record: `{"$type":"com.atproto.lexicon.schema","lexicon":2,"id":"xyz.statusphere.status","defs":{}}`, wantErr: "is not a valid schema"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pds.Reset()
			if tc.record != "" {
				pds.Put("com.atproto.lexicon.schema", "xyz.statusphere.status", tc.record)
			}
			r := &Resolver{LookupTXT: lexicontest.TXT(tc.dns), Directory: pds.Directory(), HTTPClient: pds.Server.Client()}
			res, err := r.Resolve(t.Context(), StatusNSID)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Resolve error = %v, want one containing %q", err, tc.wantErr)
				}
				if errors.Is(err, ErrNSIDNotFound) != tc.notFound {
					t.Errorf("errors.Is(err, ErrNSIDNotFound) = %t, want %t", !tc.notFound, tc.notFound)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if res.DID != pds.DID || res.Record.URI != syntax.ATURI("at://"+string(pds.DID)+"/com.atproto.lexicon.schema/xyz.statusphere.status") {
				t.Errorf("resolved %+v", res)
			}
			c := NewCatalog()
			if _, err := c.AddSchemaJSON(res.Record.Value); err != nil {
				t.Fatalf("resolved schema does not load: %v", err)
			}
			if err := c.ValidateJSON(StatusNSID, []byte(`{"$type":"xyz.statusphere.status","status":"🙂","createdAt":"2024-11-24T05:06:07Z"}`)); err != nil {
				t.Errorf("resolved schema does not validate a status: %v", err)
			}
		})
	}
}

func TestFetchRecord(t *testing.T) {
	pds := lexicontest.NewFakePDS(t)
	pds.Put("xyz.statusphere.status", "3kznmn7xqxl22", `{"$type":"xyz.statusphere.status","status":"🙂","createdAt":"2024-11-24T05:06:07Z"}`)
	r := &Resolver{LookupTXT: lexicontest.TXT(nil), Directory: pds.Directory(), HTTPClient: pds.Server.Client()}
	tests := []struct {
		name    string
		uri     string
		wantErr string
	}{
		{"by DID", "at://" + string(pds.DID) + "/xyz.statusphere.status/3kznmn7xqxl22", ""},
		{"by handle", "at://lex.example.com/xyz.statusphere.status/3kznmn7xqxl22", ""},
		{"missing record", "at://lex.example.com/xyz.statusphere.status/3kznmn7xqxl23", "RecordNotFound"},
		{"unknown account", "at://nobody.example.com/xyz.statusphere.status/3kznmn7xqxl22", "resolving nobody.example.com"},
		{"no record key", "at://lex.example.com/xyz.statusphere.status", "must name a collection and a record key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := r.FetchRecord(t.Context(), syntax.ATURI(tc.uri))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("FetchRecord error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("FetchRecord: %v", err)
			}
			if !strings.Contains(string(rec.Value), `"status":"🙂"`) || rec.CID == "" {
				t.Errorf("record = %+v", rec)
			}
		})
	}
}

func TestResolveInto(t *testing.T) {
	pds := lexicontest.NewFakePDS(t)
	pds.Put("com.atproto.lexicon.schema", "xyz.statusphere.status", string(statusSchema(t)))
	r := &Resolver{LookupTXT: lexicontest.TXT(map[string][]string{"_lexicon.statusphere.xyz": {"did=" + string(pds.DID)}}), Directory: pds.Directory(), HTTPClient: pds.Server.Client()}
	tests := []struct {
		name      string
		record    string
		wantAdded bool
		wantErr   string
	}{
		{"valid", `{"$type":"xyz.statusphere.status","status":"🙂","createdAt":"2024-11-24T05:06:07Z"}`, true, ""},
		{"invalid", `{"$type":"xyz.statusphere.status","status":"🙂🙂","createdAt":"2024-11-24T05:06:07Z"}`, true, "status: must be a single grapheme"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCatalog()
			added, err := r.ResolveInto(t.Context(), c, StatusNSID, []byte(tc.record))
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("ResolveInto error = %v, want %q", err, tc.wantErr)
			}
			if (len(added) == 1) != tc.wantAdded || !c.Has(StatusNSID) {
				t.Errorf("added = %v", added)
			}
		})
	}
	t.Run("unpublished schema", func(t *testing.T) {
		c := NewCatalog()
		_, err := r.ResolveInto(t.Context(), c, "com.example.nope", []byte(`{"$type":"com.example.nope"}`))
		var nf *SchemaNotFoundError
		if !errors.As(err, &nf) || !errors.Is(err, ErrNSIDNotFound) {
			t.Errorf("error = %v, want a SchemaNotFoundError and ErrNSIDNotFound", err)
		}
	})
}

// TestResolveNotPublished: a schema the authority's account has not
// published is pds.ErrNotFound, with the PDS's answer kept (what `lex lint
// -published` tells apart from a failure).
func TestResolveNotPublished(t *testing.T) {
	pds := lexicontest.NewFakePDS(t)
	r := &Resolver{LookupTXT: lexicontest.TXT(map[string][]string{"_lexicon.statusphere.xyz": {"did=" + string(pds.DID)}}), Directory: pds.Directory(), HTTPClient: pds.Server.Client()}
	_, err := r.Resolve(t.Context(), StatusNSID)
	var ae *atclient.APIError
	if !errors.Is(err, ourpds.ErrNotFound) || !errors.As(err, &ae) || ae.Name != "RecordNotFound" {
		t.Fatalf("err = %v, want pds.ErrNotFound and the RecordNotFound answer", err)
	}
}
