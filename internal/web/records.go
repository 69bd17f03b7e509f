package web

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/bluesky-social/indigo/atproto/atclient"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/lexicon"
)

// Records is what the web layer reads from and writes to PDSes. The
// production implementation is [NewPDSRecords]; tests use a fake.
type Records interface {
	// CreateRecord writes record (a value that marshals to the record's
	// JSON, e.g. a generated lexicon type) at collection/rkey in repo,
	// through api, the session's authenticated client.
	CreateRecord(ctx context.Context, api *atclient.APIClient, repo syntax.DID, collection syntax.NSID, rkey syntax.RecordKey, record any) (Written, error)
	// CreateRecords writes creates into repo in one commit
	// (com.atproto.repo.applyWrites), all of them or none, through api;
	// it returns one Written per create, in order.
	CreateRecords(ctx context.Context, api *atclient.APIClient, repo syntax.DID, creates []RecordCreate) ([]Written, error)
	// DisplayName returns the displayName of the account's profile on the
	// PDS at host, or "" when it has none.
	DisplayName(ctx context.Context, host string, did syntax.DID) (string, error)
}

// RecordCreate is one record of [Records.CreateRecords].
type RecordCreate struct {
	Collection syntax.NSID
	RKey       syntax.RecordKey
	Record     any // a value that marshals to the record's JSON
}

// Written names a record the PDS accepted.
type Written struct {
	URI syntax.ATURI
	CID string
}

// recordMap turns a record value (a generated lexicon type) into its
// data-model map, the form the validator judges and pds sends.
func recordMap(record any) (map[string]any, error) {
	b, err := json.Marshal(record)
	if err != nil {
		return nil, fmt.Errorf("encode record: %w", err)
	}
	m, err := lexicon.DecodeJSON(b)
	if err != nil {
		return nil, fmt.Errorf("decode record: %w", err)
	}
	return m, nil
}
