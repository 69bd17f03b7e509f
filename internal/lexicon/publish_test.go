package lexicon

import (
	"strings"
	"testing"

	"github.com/statusphere/statusphere/internal/lexicon/lexicontest"
)

func TestPublish(t *testing.T) {
	tests := []struct {
		name    string
		creds   func(p *lexicontest.FakePDS) Credentials
		wantErr string
	}{
		{"handle, PDS from the directory", func(p *lexicontest.FakePDS) Credentials {
			return Credentials{Identifier: string(p.Handle), Password: p.Password}
		}, ""},
		{"DID and explicit PDS", func(p *lexicontest.FakePDS) Credentials {
			return Credentials{Identifier: string(p.DID), Password: p.Password, PDS: p.Server.URL}
		}, ""},
		{"wrong password", func(p *lexicontest.FakePDS) Credentials {
			return Credentials{Identifier: string(p.Handle), Password: "nope"}
		}, "AuthenticationRequired"},
		{"unknown account", func(p *lexicontest.FakePDS) Credentials {
			return Credentials{Identifier: "nobody.example.com", Password: "x"}
		}, "resolving nobody.example.com"},
		{"not an identifier", func(p *lexicontest.FakePDS) Credentials {
			return Credentials{Identifier: "not an id", Password: "x"}
		}, "is not a handle or DID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pds := lexicontest.NewFakePDS(t)
			docs := statusDocs(t) // the other app schemas publish the same way
			pub, err := Publish(t.Context(), pds.Server.Client(), pds.Directory(), tc.creds(pds), docs)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Publish error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Publish: %v", err)
			}
			if pub.DID != pds.DID || len(pub.Records) != 1 || pub.Records[0].NSID != StatusNSID {
				t.Fatalf("published %+v", pub)
			}
			wantTXT := `_lexicon.statusphere.xyz. TXT "did=` + string(pds.DID) + `"`
			if len(pub.DNS) != 1 || pub.DNS[0].String() != wantTXT {
				t.Errorf("DNS = %v, want [%s]", pub.DNS, wantTXT)
			}
			puts, ended := pds.Puts(), pds.SessionEnded()
			if len(puts) != 1 || puts[0]["collection"] != "com.atproto.lexicon.schema" || puts[0]["rkey"] != "xyz.statusphere.status" {
				t.Fatalf("putRecord calls = %v", puts)
			}
			rec := puts[0]["record"].(map[string]any)
			if rec["$type"] != "com.atproto.lexicon.schema" || rec["id"] != "xyz.statusphere.status" || rec["lexicon"] != float64(1) || rec["defs"] == nil {
				t.Errorf("record = %v", rec)
			}
			if !ended {
				t.Errorf("the session was not ended")
			}
			// What was published resolves back.
			r := &Resolver{LookupTXT: lexicontest.TXT(map[string][]string{pub.DNS[0].Name: {pub.DNS[0].Value}}), Directory: pds.Directory(), HTTPClient: pds.Server.Client()}
			res, err := r.Resolve(t.Context(), StatusNSID)
			if err != nil {
				t.Fatalf("resolving what was published: %v", err)
			}
			if res.Record.URI != pub.Records[0].URI {
				t.Errorf("resolved %s, published %s", res.Record.URI, pub.Records[0].URI)
			}
		})
	}
}

func TestPublishNothing(t *testing.T) {
	pds := lexicontest.NewFakePDS(t)
	if _, err := Publish(t.Context(), pds.Server.Client(), pds.Directory(), Credentials{Identifier: string(pds.Handle), Password: pds.Password}, nil); err == nil {
		t.Error("publishing no schemas succeeded")
	}
}
