package pds

import (
	"context"
	"errors"
	"fmt"

	"github.com/bluesky-social/indigo/atproto/atclient"
	"github.com/bluesky-social/indigo/atproto/syntax"
)

// Action is what one write of [ApplyWrites] does.
type Action string

// The actions of com.atproto.repo.applyWrites.
const (
	ActionCreate Action = "create"
	ActionUpdate Action = "update"
	ActionDelete Action = "delete"
)

// Write is one operation of [ApplyWrites].
type Write struct {
	Action     Action
	Collection syntax.NSID
	// RKey names the record; "" on a create lets the PDS pick a TID.
	RKey syntax.RecordKey
	// Record is the value of a create or update: a map or JSON
	// (json.RawMessage), sent as given. Nil on a delete.
	Record any
}

// ApplyWrites applies writes to the session's repo in one commit
// (com.atproto.repo.applyWrites): all of them or none. It returns one
// Written per write, in order (the zero Written for a delete), or nil when
// the PDS answers no results. opts.SwapRecord does not apply here.
func ApplyWrites(ctx context.Context, api *atclient.APIClient, repo syntax.DID, writes []Write, opts WriteOptions) ([]Written, error) {
	if opts.SwapRecord != "" {
		return nil, errors.New("pds: applyWrites: SwapRecord applies to one record; use SwapCommit")
	}
	ops := make([]map[string]any, len(writes))
	for i, w := range writes {
		op, err := w.op()
		if err != nil {
			return nil, fmt.Errorf("pds: applyWrites: write %d: %w", i, err)
		}
		ops[i] = op
	}
	var out struct {
		Results []struct {
			URI string `json:"uri"`
			CID string `json:"cid"`
		} `json:"results"`
	}
	if err := Procedure(ctx, api, "com.atproto.repo.applyWrites", opts.body(repo, map[string]any{"writes": ops}), &out); err != nil {
		return nil, fmt.Errorf("pds: applyWrites of %d writes: %w", len(writes), err)
	}
	if len(out.Results) == 0 {
		return nil, nil
	}
	if len(out.Results) != len(writes) {
		return nil, fmt.Errorf("pds: applyWrites: %d results for %d writes", len(out.Results), len(writes))
	}
	written := make([]Written, len(writes))
	for i, r := range out.Results {
		if writes[i].Action == ActionDelete {
			continue
		}
		w, err := parseWritten(r.URI, r.CID)
		if err != nil {
			return nil, fmt.Errorf("pds: applyWrites: write %d: %w", i, err)
		}
		written[i] = w
	}
	return written, nil
}

// op returns the write as an element of applyWrites' writes.
func (w Write) op() (map[string]any, error) {
	op := map[string]any{"$type": "com.atproto.repo.applyWrites#" + string(w.Action), "collection": w.Collection.String()}
	if w.RKey != "" {
		op["rkey"] = w.RKey.String()
	}
	switch w.Action {
	case ActionCreate, ActionUpdate:
		if w.Record == nil {
			return nil, fmt.Errorf("%s of %s without a record", w.Action, w.Collection)
		}
		op["value"] = w.Record
	case ActionDelete:
	default:
		return nil, fmt.Errorf("unknown action %q", w.Action)
	}
	if w.Action != ActionCreate && w.RKey == "" {
		return nil, fmt.Errorf("%s of %s without a record key", w.Action, w.Collection)
	}
	return op, nil
}
