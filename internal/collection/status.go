package collection

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/bluesky-social/indigo/atproto/atdata"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store"
)

// ErrInvalid marks a record that is not a valid status.
var ErrInvalid = errors.New("invalid record")

// StatusFromCBOR validates a status record given as DAG-CBOR (the bytes the
// commit signed) and turns it into a row.
func StatusFromCBOR(v Validator, did syntax.DID, rkey syntax.RecordKey, cid, rev string, b []byte, now time.Time) (store.Status, error) {
	if err := v.ValidateCBOR(StatusNSID, b); err != nil {
		return store.Status{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	rec, err := atdata.UnmarshalCBOR(b)
	if err != nil {
		return store.Status{}, fmt.Errorf("%w: decode: %w", ErrInvalid, err)
	}
	return statusRow(did, rkey, cid, rev, rec, now)
}

// StatusFromJSON validates a status record given as JSON (Jetstream) and
// turns it into a row.
func StatusFromJSON(v Validator, did syntax.DID, rkey syntax.RecordKey, cid, rev string, b []byte, now time.Time) (store.Status, error) {
	rec, err := atdata.UnmarshalJSON(b)
	if err != nil {
		return store.Status{}, fmt.Errorf("%w: decode: %w", ErrInvalid, err)
	}
	if err := v.ValidateRecord(StatusNSID, rec); err != nil {
		return store.Status{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return statusRow(did, rkey, cid, rev, rec, now)
}

// statusRow builds the row for a record the lexicon accepted. It keeps the
// whole record, unknown fields included, as JSON. Beyond the lexicon it
// checks what the row needs: $type names the collection, the record key is
// a TID (the schema's key type), and status and createdAt are there.
func statusRow(did syntax.DID, rkey syntax.RecordKey, cid, rev string, rec map[string]any, now time.Time) (store.Status, error) {
	if t, _ := rec["$type"].(string); t != string(StatusNSID) {
		return store.Status{}, fmt.Errorf("%w: $type %q is not %s", ErrInvalid, t, StatusNSID)
	}
	if _, err := syntax.ParseTID(rkey.String()); err != nil {
		return store.Status{}, fmt.Errorf("%w: record key %q is not a TID: %w", ErrInvalid, rkey, err)
	}
	status, ok := rec["status"].(string)
	if !ok || status == "" {
		return store.Status{}, fmt.Errorf("%w: no status", ErrInvalid)
	}
	created, ok := rec["createdAt"].(string)
	if !ok {
		return store.Status{}, fmt.Errorf("%w: no createdAt", ErrInvalid)
	}
	createdAt, err := parseDatetime(created)
	if err != nil {
		return store.Status{}, fmt.Errorf("%w: createdAt: %w", ErrInvalid, err)
	}
	js, err := recordJSON(rec)
	if err != nil {
		return store.Status{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return store.Status{
		URI:       StatusURI(did, rkey),
		AuthorDID: did,
		RKey:      rkey,
		Status:    status,
		CID:       cid,
		Rev:       rev,
		Record:    js,
		CreatedAt: createdAt,
		IndexedAt: now,
	}, nil
}

// parseDatetime parses an atproto datetime, strictly if it can, else
// leniently (the lexicon decides what is valid; this only reads it).
func parseDatetime(s string) (time.Time, error) {
	dt, err := syntax.ParseDatetime(s)
	if err != nil {
		if dt, err = syntax.ParseDatetimeLenient(s); err != nil {
			return time.Time{}, err
		}
	}
	return dt.Time().UTC(), nil
}

// recordJSON encodes a record in the data model as atproto JSON ($link,
// $bytes, blobs), without HTML escaping, so text reads as written.
func recordJSON(rec map[string]any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rec); err != nil {
		return nil, fmt.Errorf("encode record JSON: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
