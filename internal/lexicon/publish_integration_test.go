package lexicon

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/bluesky-social/indigo/atproto/atclient"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/lexicon/lexicontest"
	"github.com/statusphere/statusphere/internal/testnet"
)

// TestLexiconPublishResolve publishes the app's schema to an account on the
// local PDS network (the real PDS and PLC directory) and resolves it back.
// Only the DNS step is injected: a TXT table holding exactly the records
// Publish says to create. Identity resolution, the PDS and its repo are
// real.
func TestLexiconPublishResolve(t *testing.T) {
	n := testnet.Start(t, testnet.WithAccounts("lexpub", "dora"))
	acct := n.Account("lexpub")
	ctx := t.Context()
	docs := statusDocs(t) // the other app schemas publish the same way
	creds := Credentials{Identifier: acct.Handle.String(), Password: acct.Password}

	pub, err := Publish(ctx, n.HTTPClient, n.Directory(), creds, docs)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if pub.DID != acct.DID || pub.PDS != n.PublicURL() {
		t.Errorf("published as %s on %s, want %s on %s", pub.DID, pub.PDS, acct.DID, n.PublicURL())
	}
	wantURI := syntax.ATURI("at://" + acct.DID.String() + "/com.atproto.lexicon.schema/xyz.statusphere.status")
	if len(pub.Records) != 1 || pub.Records[0].URI != wantURI || pub.Records[0].CID == "" {
		t.Fatalf("published records %+v, want %s", pub.Records, wantURI)
	}
	if len(pub.DNS) != 1 || pub.DNS[0].Name != "_lexicon.statusphere.xyz" || pub.DNS[0].Value != "did="+acct.DID.String() {
		t.Fatalf("DNS records to create = %v", pub.DNS)
	}

	dns := map[string][]string{}
	for _, r := range pub.DNS {
		dns[r.Name] = append(dns[r.Name], r.Value)
	}
	r := &Resolver{LookupTXT: lexicontest.TXT(dns), Directory: n.Directory(), HTTPClient: n.HTTPClient}

	t.Run("resolve", func(t *testing.T) {
		res, err := r.Resolve(ctx, StatusNSID)
		if err != nil {
			t.Fatalf("Resolve: %v", err)
		}
		if res.DID != acct.DID || res.Record.URI != wantURI || res.Record.CID != pub.Records[0].CID {
			t.Errorf("resolved %s %s %s, published %s %s %s", res.DID, res.Record.URI, res.Record.CID, acct.DID, wantURI, pub.Records[0].CID)
		}
		// The record is the schema file plus $type, field for field.
		var got, want map[string]any
		if err := json.Unmarshal(res.Record.Value, &got); err != nil {
			t.Fatalf("decoding the resolved record: %v", err)
		}
		if err := json.Unmarshal(docs[0].JSON, &want); err != nil {
			t.Fatalf("decoding the schema: %v", err)
		}
		want["$type"] = "com.atproto.lexicon.schema"
		if !reflect.DeepEqual(got, want) {
			t.Errorf("resolved record differs from the schema\n got: %s\nwant: %s", res.Record.Value, docs[0].JSON)
		}
	})

	t.Run("validate with a resolved schema", func(t *testing.T) {
		ref, err := n.Account("dora").CreateRecord(ctx, "xyz.statusphere.status", "",
			map[string]any{"$type": "xyz.statusphere.status", "status": "🦋", "createdAt": "2024-11-24T05:06:07.000Z"}, nil)
		if err != nil {
			t.Fatalf("writing a status: %v", err)
		}
		rec, err := r.FetchRecord(ctx, ref.URI)
		if err != nil {
			t.Fatalf("FetchRecord: %v", err)
		}
		if rec.CID != ref.CID {
			t.Errorf("fetched cid %s, wrote %s", rec.CID, ref.CID)
		}
		c := NewCatalog()
		added, err := r.ResolveInto(ctx, c, StatusNSID, rec.Value)
		if err != nil {
			t.Fatalf("validating with resolution: %v", err)
		}
		if len(added) != 1 || added[0] != StatusNSID {
			t.Errorf("resolved %v", added)
		}
		if err := c.ValidateRecordKey(StatusNSID, ref.URI.RecordKey().String()); err != nil {
			t.Errorf("record key: %v", err)
		}
	})

	t.Run("publish again", func(t *testing.T) {
		again, err := Publish(ctx, n.HTTPClient, n.Directory(), Credentials{Identifier: acct.DID.String(), Password: acct.Password}, docs)
		if err != nil {
			t.Fatalf("publishing again: %v", err)
		}
		if again.Records[0].URI != wantURI {
			t.Errorf("republished to %s", again.Records[0].URI)
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		_, err := Publish(ctx, n.HTTPClient, n.Directory(), Credentials{Identifier: acct.Handle.String(), Password: "nope"}, docs)
		var ae *atclient.APIError
		if err == nil || !strings.Contains(err.Error(), "logging in") || !errors.As(err, &ae) || ae.StatusCode != 401 {
			t.Errorf("publishing with a wrong password: %v", err)
		}
	})

	t.Run("not published", func(t *testing.T) {
		other := &Resolver{
			LookupTXT:  lexicontest.TXT(map[string][]string{"_lexicon.example.com": {"did=" + n.Account("dora").DID.String()}}),
			Directory:  n.Directory(),
			HTTPClient: n.HTTPClient,
		}
		_, err := other.Resolve(ctx, "com.example.nothing")
		var ae *atclient.APIError
		if !errors.As(err, &ae) || ae.Name != "RecordNotFound" {
			t.Errorf("resolving an NSID whose account has no schema: %v", err)
		}
	})
}
