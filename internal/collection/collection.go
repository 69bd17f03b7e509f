package collection

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/store"
)

// StatusNSID is the status collection.
const StatusNSID = lexicon.StatusNSID

// ErrInvalid marks a record that fails its collection's rules (the
// lexicon, or what the row needs).
var ErrInvalid = errors.New("invalid record")

// Validator checks records against the app's lexicon; *lexicon.Catalog has
// it. Fields the schema does not know must not make a record invalid.
type Validator interface {
	// ValidateCBOR validates a record as DAG-CBOR bytes (the firehose).
	ValidateCBOR(nsid syntax.NSID, cbor []byte) error
	// ValidateRecord validates a record in the data model (Jetstream's
	// JSON, parsed by atdata).
	ValidateRecord(nsid syntax.NSID, rec map[string]any) error
}

// Record is one record a handler is given: verified bytes from a commit or
// a snapshot (CBOR), or Jetstream's JSON (unverifiable; CBOR is nil).
type Record struct {
	DID        syntax.DID
	Collection syntax.NSID
	RKey       syntax.RecordKey
	CID        string
	Rev        string // the repository revision that holds it
	CBOR       []byte
	JSON       []byte
	IndexedAt  time.Time // when it reached us
}

// URI is the record's AT-URI.
func (r Record) URI() syntax.ATURI { return URI(r.DID, r.Collection, r.RKey) }

// URI is the AT-URI of record rkey of collection in did's repository.
func URI(did syntax.DID, collection syntax.NSID, rkey syntax.RecordKey) syntax.ATURI {
	return syntax.ATURI("at://" + did.String() + "/" + collection.String() + "/" + rkey.String())
}

// Result is what one operation did, for the caller to count and log once
// the transaction has committed.
type Result struct {
	Action  string // create, update or delete
	URI     syntax.ATURI
	Invalid error // the record failed validation: skipped, any row at URI removed
}

// Handler stores one collection's verified records. Every method runs
// inside the transaction that also moves the ingest cursor or marks a
// backfilled repository done: an error rolls all of it back.
type Handler interface {
	// Put stores a created or updated record. A record that fails the
	// collection's rules is not stored (any row at its URI is removed:
	// it must not show what the repository no longer holds) and its
	// reason, wrapping ErrInvalid, is returned as invalid.
	Put(ctx context.Context, tx *store.Tx, rec Record) (invalid error, err error)
	// Delete removes the record at uri.
	Delete(ctx context.Context, tx *store.Tx, uri syntax.ATURI) error
	// Replace makes recs (every record of the collection in a verified
	// snapshot of did's repository) the repository's records of the
	// collection. It returns a Result per record skipped as invalid and
	// per stored record removed because the repository no longer holds it.
	Replace(ctx context.Context, tx *store.Tx, did syntax.DID, recs []Record) ([]Result, error)
}

// LatestStatuser reads an author's latest status; *store.Store has it.
type LatestStatuser interface {
	LatestStatus(ctx context.Context, author syntax.DID) (store.Status, error)
}

// HoldsStatuses reports whether st stores a status by did.
func HoldsStatuses(ctx context.Context, st LatestStatuser, did syntax.DID) (bool, error) {
	_, err := st.LatestStatus(ctx, did)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	}
	return false, fmt.Errorf("latest status of %s: %w", did, err)
}
