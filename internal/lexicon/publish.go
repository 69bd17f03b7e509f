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
	pds := creds.PDS
	if pds == "" {
		atid, err := syntax.ParseAtIdentifier(creds.Identifier)
		if err != nil {
			return nil, fmt.Errorf("publishing lexicons: %q is not a handle or DID: %w", creds.Identifier, err)
		}
		ident, err := dir.Lookup(ctx, atid)
		if err != nil {
			return nil, fmt.Errorf("publishing lexicons: resolving %s: %w", atid, err)
		}
		if pds = ident.PDSEndpoint(); pds == "" {
			return nil, fmt.Errorf("publishing lexicons: %s has no PDS in its DID document", ident.DID)
		}
	}
	var session struct {
		AccessJwt  string `json:"accessJwt"`
		RefreshJwt string `json:"refreshJwt"`
		DID        string `json:"did"`
	}
	login := map[string]string{"identifier": creds.Identifier, "password": creds.Password}
	if err := xrpc(ctx, client, pds, "com.atproto.server.createSession", "", nil, login, &session); err != nil {
		return nil, fmt.Errorf("publishing lexicons: logging in: %w", err)
	}
	did, err := syntax.ParseDID(session.DID)
	if err != nil {
		return nil, fmt.Errorf("publishing lexicons: createSession returned a bad DID: %w", err)
	}
	defer func() {
		// Best effort: end the session so its tokens stop working.
		_ = xrpc(context.WithoutCancel(ctx), client, pds, "com.atproto.server.deleteSession", session.RefreshJwt, nil, struct{}{}, nil)
	}()

	out := &Published{DID: did, PDS: pds}
	authorities := map[string]bool{}
	for _, d := range docs {
		rec, err := schemaRecord(d.JSON)
		if err != nil {
			return nil, fmt.Errorf("publishing lexicon %s: %w", d.NSID, err)
		}
		in := map[string]any{
			"repo":       did.String(),
			"collection": SchemaCollection.String(),
			"rkey":       d.NSID.String(),
			"record":     rec,
		}
		var res struct {
			URI string `json:"uri"`
			CID string `json:"cid"`
		}
		if err := xrpc(ctx, client, pds, "com.atproto.repo.putRecord", session.AccessJwt, nil, in, &res); err != nil {
			return nil, fmt.Errorf("publishing lexicon %s: %w", d.NSID, err)
		}
		out.Records = append(out.Records, PublishedRecord{NSID: d.NSID, URI: syntax.ATURI(res.URI), CID: res.CID})
		if name := AuthorityDomain(d.NSID); !authorities[name] {
			authorities[name] = true
			out.DNS = append(out.DNS, TXTRecord{Name: name, Value: "did=" + did.String()})
		}
	}
	slices.SortFunc(out.DNS, func(a, b TXTRecord) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
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
