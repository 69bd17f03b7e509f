package collection

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	gennote "github.com/statusphere/statusphere/internal/gen/org/gostatusphere"
	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/store"
)

// NoteNSID is the note collection, the sidecar record of a status.
const NoteNSID = lexicon.NoteNSID

// Note is the handler of org.gostatusphere.note: each valid record is a
// row of the note table, upserted by AT-URI, whether or not the status it
// annotates (same author, same record key) is stored; the reads join the
// two, so a note shows only beside its status. Deleting a status leaves
// its note stored and unseen.
type Note struct {
	v Validator
}

// NewNote returns the note handler, validating records with v.
func NewNote(v Validator) *Note { return &Note{v: v} }

// Put implements [Handler].
func (h *Note) Put(ctx context.Context, tx *store.Tx, rec Record) (invalid error, err error) {
	row, invalid := h.row(rec)
	if invalid != nil {
		return invalid, tx.DeleteNote(ctx, rec.URI())
	}
	return nil, tx.UpsertNote(ctx, row)
}

// Delete implements [Handler].
func (h *Note) Delete(ctx context.Context, tx *store.Tx, uri syntax.ATURI) error {
	return tx.DeleteNote(ctx, uri)
}

// Replace implements [Handler].
func (h *Note) Replace(ctx context.Context, tx *store.Tx, did syntax.DID, recs []Record) ([]Result, error) {
	return replaceRows(recs, h.row, func(rows []store.Note, bad []syntax.ATURI) ([]syntax.ATURI, error) {
		return tx.ReplaceNotes(ctx, did, rows, bad)
	})
}

// row validates a note record and turns it into a row; the error wraps
// ErrInvalid.
func (h *Note) row(rec Record) (store.Note, error) {
	m, err := decodeValid(h.v, NoteNSID, rec)
	if err != nil {
		return store.Note{}, err
	}
	return noteRow(rec.DID, rec.RKey, rec.CID, rec.Rev, m, rec.IndexedAt)
}

// noteRow builds the row of a note the lexicon accepted, decoded into the
// generated type (unknown fields kept); the record key must be a TID, the
// key of the status it annotates. The row keeps the whole record as JSON.
func noteRow(did syntax.DID, rkey syntax.RecordKey, cid, rev string, m map[string]any, now time.Time) (store.Note, error) {
	if _, err := syntax.ParseTID(rkey.String()); err != nil {
		return store.Note{}, fmt.Errorf("%w: record key %q is not a TID: %w", ErrInvalid, rkey, err)
	}
	js, err := recordJSON(m)
	if err != nil {
		return store.Note{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	var rec gennote.Note
	if err := json.Unmarshal(js, &rec); err != nil {
		return store.Note{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if rec.Text == "" {
		return store.Note{}, fmt.Errorf("%w: no text", ErrInvalid)
	}
	createdAt, err := parseDatetime(rec.CreatedAt)
	if err != nil {
		return store.Note{}, fmt.Errorf("%w: createdAt: %w", ErrInvalid, err)
	}
	return store.Note{
		URI: URI(did, NoteNSID, rkey), AuthorDID: did, RKey: rkey, Text: rec.Text,
		CID: cid, Rev: rev, Record: js, CreatedAt: createdAt, IndexedAt: now,
	}, nil
}
