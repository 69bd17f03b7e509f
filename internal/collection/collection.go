package collection

import (
	"context"
	"errors"
	"fmt"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/store"
)

// StatusNSID is the status collection.
const StatusNSID = lexicon.StatusNSID

// Validator checks records against the app's lexicon; *lexicon.Catalog has
// it. Fields the schema does not know must not make a record invalid.
type Validator interface {
	// ValidateCBOR validates a record as DAG-CBOR bytes (the firehose).
	ValidateCBOR(nsid syntax.NSID, cbor []byte) error
	// ValidateRecord validates a record in the data model (Jetstream's
	// JSON, parsed by atdata).
	ValidateRecord(nsid syntax.NSID, rec map[string]any) error
}

// Change is one status write derived from a verified event or snapshot.
type Change struct {
	Action  string // create, update or delete (as the event says)
	URI     syntax.ATURI
	Row     store.Status // the row to upsert, unless Remove
	Remove  bool         // delete the row at URI
	Invalid error        // the record failed validation: remove, and count it as skipped
}

// StatusURI is the AT-URI of the status record rkey in did's repo.
func StatusURI(did syntax.DID, rkey syntax.RecordKey) syntax.ATURI {
	return syntax.ATURI("at://" + did.String() + "/" + string(StatusNSID) + "/" + rkey.String())
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
