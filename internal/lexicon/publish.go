package lexicon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/pds"
)

// Credentials log in to the account that publishes schemas.
type Credentials struct {
	// Identifier is the account's handle or DID.
	Identifier string
	// Password is the account password or, better, an app password.
	Password string
	// PDS is the account's PDS URL; empty to find it through the identity
	// directory.
	PDS string
}

// Published is the outcome of [Publish].
type Published struct {
	// DID is the publishing account.
	DID syntax.DID
	// PDS is where the records were written.
	PDS string
	// Records are the schema records written, by NSID.
	Records []PublishedRecord
	// DNS are the TXT records the NSIDs' authorities need for resolution
	// to find the account, one per authority.
	DNS []TXTRecord
}

// PublishedRecord is one com.atproto.lexicon.schema record written.
type PublishedRecord struct {
	NSID syntax.NSID
	URI  syntax.ATURI
	CID  string
}

// TXTRecord is a DNS TXT record to create.
type TXTRecord struct {
	Name  string // e.g. _lexicon.statusphere.xyz
	Value string // e.g. did=did:plc:…
}

// String returns the record in zone-file form.
func (r TXTRecord) String() string {
	return fmt.Sprintf("%s. TXT %q", r.Name, r.Value)
}

// Publish writes schemas as com.atproto.lexicon.schema records (record key
// = NSID, the schema's own fields plus "$type") to the account of creds,
// logging in with com.atproto.server.createSession, and returns what it
// wrote and the DNS TXT records that make the NSIDs resolve to the account.
// Rewriting an unchanged schema is harmless.
func Publish(ctx context.Context, client *http.Client, dir identity.Directory, creds Credentials, docs []Doc) (*Published, error) {
	if len(docs) == 0 {
		return nil, errors.New("publishing lexicons: no schemas to publish")
	}
	host, err := publishHost(ctx, dir, creds)
	if err != nil {
		return nil, err
	}
	api, err := pds.New(client, "").CreateSession(ctx, host, creds.Identifier, creds.Password)
	if err != nil {
		return nil, fmt.Errorf("publishing lexicons: logging in: %w", err)
	}
	// Best effort: end the session so its tokens stop working.
	defer pds.DeleteSession(context.WithoutCancel(ctx), api) //nolint:errcheck // see above
	did := *api.AccountDID

	out := &Published{DID: did, PDS: host}
	authorities := map[string]bool{}
	for _, d := range docs {
		rec, err := schemaRecord(d.JSON)
		if err != nil {
			return nil, fmt.Errorf("publishing lexicon %s: %w", d.NSID, err)
		}
		w, err := pds.PutRecord(ctx, api, did, SchemaCollection, syntax.RecordKey(d.NSID.String()), rec, pds.WriteOptions{})
		if err != nil {
			return nil, fmt.Errorf("publishing lexicon %s: %w", d.NSID, err)
		}
		out.Records = append(out.Records, PublishedRecord{NSID: d.NSID, URI: w.URI, CID: w.CID})
		if name := AuthorityDomain(d.NSID); !authorities[name] {
			authorities[name] = true
			out.DNS = append(out.DNS, TXTRecord{Name: name, Value: "did=" + did.String()})
		}
	}
	slices.SortFunc(out.DNS, func(a, b TXTRecord) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// publishHost returns the PDS to publish to: creds.PDS, or the one the
// account's DID document names.
func publishHost(ctx context.Context, dir identity.Directory, creds Credentials) (string, error) {
	if creds.PDS != "" {
		return creds.PDS, nil
	}
	atid, err := syntax.ParseAtIdentifier(creds.Identifier)
	if err != nil {
		return "", fmt.Errorf("publishing lexicons: %q is not a handle or DID: %w", creds.Identifier, err)
	}
	ident, err := dir.Lookup(ctx, atid)
	if err != nil {
		return "", fmt.Errorf("publishing lexicons: resolving %s: %w", atid, err)
	}
	host := ident.PDSEndpoint()
	if host == "" {
		return "", fmt.Errorf("publishing lexicons: %s has no PDS in its DID document", ident.DID)
	}
	return host, nil
}

// schemaRecord turns a schema file into its record: the same fields, with
// "$type": "com.atproto.lexicon.schema". Numbers are kept as written.
func schemaRecord(schema json.RawMessage) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(schema))
	dec.UseNumber()
	var rec map[string]any
	if err := dec.Decode(&rec); err != nil {
		return nil, fmt.Errorf("decoding the schema: %w", err)
	}
	if rec == nil {
		return nil, errors.New("the schema is not a JSON object")
	}
	rec["$type"] = SchemaCollection.String()
	return rec, nil
}
