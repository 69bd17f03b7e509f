package lexicon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/pds"
)

// SchemaCollection is the collection lexicon schemas are published in, one
// record per NSID with the NSID as record key.
const SchemaCollection syntax.NSID = "com.atproto.lexicon.schema"

// ErrNSIDNotFound is returned when an NSID's authority has no _lexicon DNS
// TXT record naming a DID: nobody published its schema.
var ErrNSIDNotFound = errors.New("no _lexicon DNS TXT record for the NSID's authority")

// TXTLookup looks up the TXT records of a DNS name, as
// (*net.Resolver).LookupTXT does.
type TXTLookup func(ctx context.Context, name string) ([]string, error)

// Resolver finds published lexicon schemas and records on the network. Its
// three dependencies are injected so tests can run it on a local network:
// the DNS TXT lookup (net.DefaultResolver.LookupTXT in production), the
// identity directory (DID documents, handles) and the HTTP client that
// calls PDSes.
type Resolver struct {
	LookupTXT  TXTLookup
	Directory  identity.Directory
	HTTPClient *http.Client
}

// Record is a repository record fetched with com.atproto.repo.getRecord.
type Record struct {
	URI   syntax.ATURI
	CID   string
	Value json.RawMessage
}

// ResolvedSchema is a lexicon schema resolved from the network.
type ResolvedSchema struct {
	NSID syntax.NSID
	// DID is the account the NSID's authority points to.
	DID syntax.DID
	// Record is the com.atproto.lexicon.schema record; its Value is the
	// schema (with "$type").
	Record Record
}

// AuthorityDomain returns the DNS name whose TXT record says which account
// publishes nsid's schemas: "_lexicon." and the NSID's authority in DNS
// order (xyz.statusphere.status → _lexicon.statusphere.xyz).
func AuthorityDomain(nsid syntax.NSID) string {
	return "_lexicon." + nsid.Authority()
}

// ResolveAuthority looks up the DID that publishes nsid's schemas: the
// "did=<did>" TXT record at [AuthorityDomain]. No record is
// [ErrNSIDNotFound]; records naming different DIDs are an error.
func (r *Resolver) ResolveAuthority(ctx context.Context, nsid syntax.NSID) (syntax.DID, error) {
	name := AuthorityDomain(nsid)
	txts, err := r.LookupTXT(ctx, name)
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return "", fmt.Errorf("%w: %s", ErrNSIDNotFound, name)
	}
	if err != nil {
		return "", fmt.Errorf("looking up DNS TXT %s: %w", name, err)
	}
	var found syntax.DID
	for _, txt := range txts {
		v, ok := strings.CutPrefix(txt, "did=")
		if !ok {
			continue
		}
		did, err := syntax.ParseDID(strings.TrimSpace(v))
		if err != nil {
			return "", fmt.Errorf("DNS TXT %s: %q is not a DID: %w", name, v, err)
		}
		if found != "" && found != did {
			return "", fmt.Errorf("DNS TXT %s names two DIDs, %s and %s", name, found, did)
		}
		found = did
	}
	if found == "" {
		return "", fmt.Errorf("%w: %s has no did= record", ErrNSIDNotFound, name)
	}
	return found, nil
}

// Resolve resolves an NSID to its published schema: DNS TXT
// _lexicon.<authority> → did=… → DID document → PDS →
// com.atproto.repo.getRecord of com.atproto.lexicon.schema/<nsid>. The
// record must be a valid schema whose id is the NSID (the record key).
func (r *Resolver) Resolve(ctx context.Context, nsid syntax.NSID) (*ResolvedSchema, error) {
	did, err := r.ResolveAuthority(ctx, nsid)
	if err != nil {
		return nil, fmt.Errorf("resolving lexicon %s: %w", nsid, err)
	}
	uri := syntax.ATURI(fmt.Sprintf("at://%s/%s/%s", did, SchemaCollection, nsid))
	rec, err := r.FetchRecord(ctx, uri)
	if err != nil {
		return nil, fmt.Errorf("resolving lexicon %s: %w", nsid, err)
	}
	var head struct {
		Type string `json:"$type"`
		ID   string `json:"id"`
	}
	if err := json.Unmarshal(rec.Value, &head); err != nil {
		return nil, fmt.Errorf("resolving lexicon %s: schema record %s: %w", nsid, uri, err)
	}
	if head.Type != "" && head.Type != string(SchemaCollection) {
		return nil, fmt.Errorf("resolving lexicon %s: record %s has $type %q, want %s", nsid, uri, head.Type, SchemaCollection)
	}
	if head.ID != string(nsid) {
		return nil, fmt.Errorf("resolving lexicon %s: schema record %s has id %q, which is not its record key", nsid, uri, head.ID)
	}
	if _, err := ParseSchema(rec.Value); err != nil {
		return nil, fmt.Errorf("resolving lexicon %s: record %s is not a valid schema: %w", nsid, uri, err)
	}
	return &ResolvedSchema{NSID: nsid, DID: did, Record: *rec}, nil
}

// FetchRecord fetches a record by AT-URI: the repository's identity (handle
// or DID) through the directory, then com.atproto.repo.getRecord on its PDS.
func (r *Resolver) FetchRecord(ctx context.Context, uri syntax.ATURI) (*Record, error) {
	coll, rkey := uri.Collection(), uri.RecordKey()
	if coll == "" || rkey == "" {
		return nil, fmt.Errorf("fetching %s: the AT-URI must name a collection and a record key", uri)
	}
	ident, err := r.Directory.Lookup(ctx, uri.Authority())
	if err != nil {
		return nil, fmt.Errorf("fetching %s: resolving %s: %w", uri, uri.Authority(), err)
	}
	host := ident.PDSEndpoint()
	if host == "" {
		return nil, fmt.Errorf("fetching %s: %s has no PDS in its DID document", uri, ident.DID)
	}
	rec, err := pds.New(r.HTTPClient, "").GetRecord(ctx, host, ident.DID, coll, rkey)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", uri, err)
	}
	if len(rec.Value) == 0 || string(rec.Value) == "null" {
		return nil, fmt.Errorf("fetching %s from %s: the response has no record value", uri, host)
	}
	if rec.URI == "" {
		rec.URI = syntax.ATURI(fmt.Sprintf("at://%s/%s/%s", ident.DID, coll, rkey))
	}
	return &Record{URI: rec.URI, CID: rec.CID, Value: rec.Value}, nil
}

// ResolveInto validates rec (JSON) against nsid like [Catalog.ValidateJSON],
// and whenever a schema is missing from the catalog, resolves it from the
// network, adds it, and tries again: `lex validate --resolve`. It returns
// the NSIDs it added.
func (r *Resolver) ResolveInto(ctx context.Context, c *Catalog, nsid syntax.NSID, rec []byte) ([]syntax.NSID, error) {
	var added []syntax.NSID
	for range 32 {
		err := c.ValidateJSON(nsid, rec)
		var nf *SchemaNotFoundError
		if !errors.As(err, &nf) {
			return added, err
		}
		missing, perr := nf.NSID()
		if perr != nil {
			return added, err
		}
		if c.Has(missing) {
			return added, err // the schema is there: the fragment is not
		}
		res, rerr := r.Resolve(ctx, missing)
		if rerr != nil {
			return added, fmt.Errorf("%w (and resolving the schema failed: %w)", err, rerr)
		}
		if _, aerr := c.AddSchemaJSON(res.Record.Value); aerr != nil {
			return added, fmt.Errorf("adding resolved schema %s: %w", missing, aerr)
		}
		added = append(added, missing)
	}
	return added, fmt.Errorf("validating %s: gave up after resolving %d schemas", nsid, len(added))
}
