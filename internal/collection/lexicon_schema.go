package collection

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/bluesky-social/indigo/atproto/atdata"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/store"
)

// LexiconSchemaNSID is the collection lexicon schemas are published in.
const LexiconSchemaNSID = lexicon.SchemaCollection

// LexiconSchema is the handler of com.atproto.lexicon.schema, the lexicon
// index: every version of every schema record is kept (a version whose
// CID is the record's current one is not added twice), a deletion is a
// version of its own, and the references of the current version are
// stored for "used by". Unlike other handlers it stores an invalid record
// too (not a lexicon, id other than the record key, defs that do not
// parse), as an invalid version listed as such, and still returns the
// reason for the caller to count.
type LexiconSchema struct{}

// NewLexiconSchema returns the lexicon schema handler.
func NewLexiconSchema() *LexiconSchema { return &LexiconSchema{} }

// Put implements [Handler].
func (h *LexiconSchema) Put(ctx context.Context, tx *store.Tx, rec Record) (invalid error, err error) {
	row, v, refs, invalid := LexiconVersion(rec)
	if _, err := tx.PutLexiconVersion(ctx, row, v, refs); err != nil {
		return nil, err
	}
	return invalid, nil
}

// Delete implements [Handler]: the deletion is recorded at the
// repository's revision (the one being written).
func (h *LexiconSchema) Delete(ctx context.Context, tx *store.Tx, uri syntax.ATURI) error {
	did, err := uri.Authority().AsDID()
	if err != nil {
		return fmt.Errorf("delete %s: %w", uri, err)
	}
	rs, err := tx.RepoState(ctx, did)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return tx.DeleteLexiconRecord(ctx, uri, rs.Rev, time.Now().UTC())
}

// Replace implements [Handler]: every record of the snapshot is put, and
// every live record of did the snapshot does not hold is deleted.
func (h *LexiconSchema) Replace(ctx context.Context, tx *store.Tx, did syntax.DID, recs []Record) ([]Result, error) {
	held := map[syntax.ATURI]bool{}
	var out []Result
	rev, at := "", time.Now().UTC()
	for _, rec := range recs {
		held[rec.URI()] = true
		rev, at = rec.Rev, rec.IndexedAt
		invalid, err := h.Put(ctx, tx, rec)
		if err != nil {
			return nil, err
		}
		if invalid != nil {
			out = append(out, Result{Action: "update", URI: rec.URI(), Invalid: invalid})
		}
	}
	live, err := tx.LiveLexiconURIs(ctx, did)
	if err != nil {
		return nil, err
	}
	for _, u := range live {
		if held[u] {
			continue
		}
		if rev == "" {
			rs, err := tx.RepoState(ctx, did)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
			rev = rs.Rev
		}
		if err := tx.DeleteLexiconRecord(ctx, u, rev, at); err != nil {
			return nil, err
		}
		out = append(out, Result{Action: "delete", URI: u})
	}
	return out, nil
}

// LexiconVersion checks one schema record and returns its index row, its
// version and the NSIDs it refers to. invalid (wrapping ErrInvalid) says
// why the record is not a usable schema; the version is then stored marked
// with the reason, never dropped.
func LexiconVersion(rec Record) (store.LexiconRecord, store.LexiconVersion, []syntax.NSID, error) {
	nsid := syntax.NSID(rec.RKey)
	row := store.LexiconRecord{URI: rec.URI(), DID: rec.DID, NSID: nsid, Authority: authorityOf(rec.RKey.String())}
	v := store.LexiconVersion{URI: row.URI, CID: rec.CID, Rev: rec.Rev, SeenAt: rec.IndexedAt}
	js, invalid := schemaJSON(rec)
	v.Schema = js
	var refs []syntax.NSID
	if invalid == nil {
		refs, invalid = checkSchema(rec.RKey, js)
	}
	if invalid != nil {
		invalid = fmt.Errorf("%w: %w", ErrInvalid, invalid)
		v.Invalid = invalid.Error()
	}
	if v.Schema == nil {
		v.Schema = []byte{}
	}
	return row, v, refs, invalid
}

// schemaJSON returns the record as atproto JSON (from its CBOR when it has
// it).
func schemaJSON(rec Record) ([]byte, error) {
	if rec.CBOR == nil {
		if len(rec.JSON) == 0 {
			return nil, errors.New("no record")
		}
		return rec.JSON, nil
	}
	m, err := atdata.UnmarshalCBOR(rec.CBOR)
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return recordJSON(m)
}

// checkSchema checks that js is a lexicon schema document whose id is the
// record key, and returns the NSIDs it refers to.
func checkSchema(rkey syntax.RecordKey, js []byte) ([]syntax.NSID, error) {
	if _, err := syntax.ParseNSID(rkey.String()); err != nil {
		return nil, fmt.Errorf("record key %q is not an NSID", rkey)
	}
	var head struct {
		Type    string `json:"$type"`
		Lexicon any    `json:"lexicon"`
		ID      any    `json:"id"`
	}
	if err := json.Unmarshal(js, &head); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if head.Type != string(LexiconSchemaNSID) {
		return nil, fmt.Errorf("$type is %q, not %s", head.Type, LexiconSchemaNSID)
	}
	if head.Lexicon == nil {
		return nil, errors.New("not a lexicon: no lexicon version")
	}
	if id, _ := head.ID.(string); id != rkey.String() {
		return nil, fmt.Errorf("id %v is not the record key %s", head.ID, rkey)
	}
	sf, err := lexicon.ParseSchema(js)
	if err != nil {
		return nil, err
	}
	return lexicon.RefNSIDs(sf), nil
}

// authorityOf returns an NSID's authority in DNS order (its segments but
// the last, reversed), or "" when the record key is no NSID.
func authorityOf(rkey string) string {
	nsid, err := syntax.ParseNSID(rkey)
	if err != nil {
		return ""
	}
	return nsid.Authority()
}
