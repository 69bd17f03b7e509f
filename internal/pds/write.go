package pds

import (
	"context"
	"fmt"

	"github.com/bluesky-social/indigo/atproto/atclient"
	"github.com/bluesky-social/indigo/atproto/syntax"
)

// Written names a record the PDS accepted.
type Written struct {
	URI syntax.ATURI
	CID string
}

// WriteOptions are the optional parameters of a record write.
type WriteOptions struct {
	// Validate nil lets the PDS decide (it validates the collections whose
	// schema it knows); false turns its validation off; true requires it.
	Validate *bool
	// SwapRecord, for putRecord and deleteRecord, makes the write fail
	// (InvalidSwap) unless the record's current CID is this one.
	SwapRecord string
	// SwapCommit makes the write fail (InvalidSwap) unless the
	// repository's current commit CID is this one.
	SwapCommit string
}

// body returns the request body of a write: fields plus the options set.
func (o WriteOptions) body(repo syntax.DID, fields map[string]any) map[string]any {
	fields["repo"] = repo.String()
	if o.Validate != nil {
		fields["validate"] = *o.Validate
	}
	if o.SwapRecord != "" {
		fields["swapRecord"] = o.SwapRecord
	}
	if o.SwapCommit != "" {
		fields["swapCommit"] = o.SwapCommit
	}
	return fields
}

// CreateRecord writes record at collection/rkey in the session's repo with
// com.atproto.repo.createRecord. The record is sent as given: every field
// it holds reaches the PDS.
func CreateRecord(ctx context.Context, api *atclient.APIClient, repo syntax.DID, collection syntax.NSID, rkey syntax.RecordKey, record map[string]any) (Written, error) {
	return CreateRecordWith(ctx, api, repo, collection, rkey, record, WriteOptions{})
}

// CreateRecordWith is [CreateRecord] with options. rkey "" lets the PDS
// pick a TID; record is a map or JSON (json.RawMessage), sent as given.
func CreateRecordWith(ctx context.Context, api *atclient.APIClient, repo syntax.DID, collection syntax.NSID, rkey syntax.RecordKey, record any, opts WriteOptions) (Written, error) {
	fields := map[string]any{"collection": collection.String(), "record": record}
	if rkey != "" {
		fields["rkey"] = rkey.String()
	}
	w, err := writeRecord(ctx, api, "com.atproto.repo.createRecord", opts.body(repo, fields))
	if err != nil {
		return Written{}, fmt.Errorf("pds: create %s/%s: %w", collection, rkey, err)
	}
	return w, nil
}

// PutRecord creates or replaces the record at collection/rkey in the
// session's repo with com.atproto.repo.putRecord. record is a map or JSON
// (json.RawMessage), sent as given, so fields the app does not know pass
// through.
func PutRecord(ctx context.Context, api *atclient.APIClient, repo syntax.DID, collection syntax.NSID, rkey syntax.RecordKey, record any, opts WriteOptions) (Written, error) {
	fields := map[string]any{"collection": collection.String(), "rkey": rkey.String(), "record": record}
	w, err := writeRecord(ctx, api, "com.atproto.repo.putRecord", opts.body(repo, fields))
	if err != nil {
		return Written{}, fmt.Errorf("pds: put %s/%s: %w", collection, rkey, err)
	}
	return w, nil
}

// DeleteRecord removes the record at collection/rkey from the session's
// repo with com.atproto.repo.deleteRecord. Deleting a record that does not
// exist succeeds.
func DeleteRecord(ctx context.Context, api *atclient.APIClient, repo syntax.DID, collection syntax.NSID, rkey syntax.RecordKey, opts WriteOptions) error {
	fields := map[string]any{"collection": collection.String(), "rkey": rkey.String()}
	if err := Procedure(ctx, api, "com.atproto.repo.deleteRecord", opts.body(repo, fields), nil); err != nil {
		return fmt.Errorf("pds: delete %s/%s: %w", collection, rkey, err)
	}
	return nil
}

// writeRecord calls a createRecord or putRecord procedure and checks the
// address it answers.
func writeRecord(ctx context.Context, api *atclient.APIClient, method syntax.NSID, body map[string]any) (Written, error) {
	var out struct {
		URI string `json:"uri"`
		CID string `json:"cid"`
	}
	if err := Procedure(ctx, api, method, body, &out); err != nil {
		return Written{}, err
	}
	return parseWritten(out.URI, out.CID)
}

// parseWritten checks the address a PDS answered for a write.
func parseWritten(uri, cid string) (Written, error) {
	u, err := syntax.ParseATURI(uri)
	if err != nil {
		return Written{}, fmt.Errorf("the PDS answered a bad URI %q: %w", uri, err)
	}
	if cid == "" {
		return Written{}, fmt.Errorf("the PDS answered %s without a CID", uri)
	}
	return Written{URI: u, CID: cid}, nil
}
