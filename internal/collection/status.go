package collection

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	genstatus "github.com/statusphere/statusphere/internal/gen/xyz/statusphere"
	"github.com/statusphere/statusphere/internal/store"
)

// Status is the handler of xyz.statusphere.status: each valid record is a
// row of the status table, upserted by AT-URI.
type Status struct {
	v Validator
}

// NewStatus returns the status handler, validating records with v.
func NewStatus(v Validator) *Status { return &Status{v: v} }

// Put implements [Handler].
func (h *Status) Put(ctx context.Context, tx *store.Tx, rec Record) (invalid error, err error) {
	row, invalid := h.row(rec)
	if invalid != nil {
		return invalid, tx.DeleteStatus(ctx, rec.URI())
	}
	return nil, tx.UpsertStatus(ctx, row)
}

// Delete implements [Handler].
func (h *Status) Delete(ctx context.Context, tx *store.Tx, uri syntax.ATURI) error {
	return tx.DeleteStatus(ctx, uri)
}

// Replace implements [Handler].
func (h *Status) Replace(ctx context.Context, tx *store.Tx, did syntax.DID, recs []Record) ([]Result, error) {
	return replaceRows(recs, h.row, func(rows []store.Status, bad []syntax.ATURI) ([]syntax.ATURI, error) {
		return tx.ReplaceStatuses(ctx, did, rows, bad)
	})
}

// row validates a status record (CBOR if it has it, else JSON) and turns
// it into a row; the error wraps ErrInvalid.
func (h *Status) row(rec Record) (store.Status, error) {
	m, err := decodeValid(h.v, StatusNSID, rec)
	if err != nil {
		return store.Status{}, err
	}
	return statusRow(rec.DID, rec.RKey, rec.CID, rec.Rev, m, rec.IndexedAt)
}

// statusRow builds the row for a record the lexicon accepted: decoded into
// the generated type (which checks $type and the required fields and keeps
// unknown ones), with what the row needs beyond the lexicon: the record
// key is a TID (the schema's key type) and the status is not empty. The
// row keeps the whole record, unknown fields included, as JSON.
func statusRow(did syntax.DID, rkey syntax.RecordKey, cid, rev string, m map[string]any, now time.Time) (store.Status, error) {
	if _, err := syntax.ParseTID(rkey.String()); err != nil {
		return store.Status{}, fmt.Errorf("%w: record key %q is not a TID: %w", ErrInvalid, rkey, err)
	}
	js, err := recordJSON(m)
	if err != nil {
		return store.Status{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	var rec genstatus.Status
	if err := json.Unmarshal(js, &rec); err != nil {
		return store.Status{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if rec.Status == "" {
		return store.Status{}, fmt.Errorf("%w: no status", ErrInvalid)
	}
	createdAt, err := parseDatetime(rec.CreatedAt)
	if err != nil {
		return store.Status{}, fmt.Errorf("%w: createdAt: %w", ErrInvalid, err)
	}
	return store.Status{
		URI:       URI(did, StatusNSID, rkey),
		AuthorDID: did,
		RKey:      rkey,
		Status:    rec.Status,
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
