package web

import (
	"context"
	"fmt"

	"github.com/bluesky-social/indigo/atproto/atclient"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/pds"
)

// pdsRecords adapts package pds to [Records]. It is the only file of this
// package that names pds.
type pdsRecords struct{ c *pds.Client }

// NewPDSRecords returns the [Records] that call PDSes through c.
func NewPDSRecords(c *pds.Client) Records { return pdsRecords{c: c} }

func (p pdsRecords) CreateRecord(ctx context.Context, api *atclient.APIClient, repo syntax.DID, collection syntax.NSID, rkey syntax.RecordKey, record any) (Written, error) {
	m, err := recordMap(record)
	if err != nil {
		return Written{}, err
	}
	w, err := pds.CreateRecord(ctx, api, repo, collection, rkey, m)
	return Written{URI: w.URI, CID: w.CID}, err
}

func (p pdsRecords) CreateRecords(ctx context.Context, api *atclient.APIClient, repo syntax.DID, creates []RecordCreate) ([]Written, error) {
	writes := make([]pds.Write, len(creates))
	for i, c := range creates {
		m, err := recordMap(c.Record)
		if err != nil {
			return nil, err
		}
		writes[i] = pds.Write{Action: pds.ActionCreate, Collection: c.Collection, RKey: c.RKey, Record: m}
	}
	ws, err := pds.ApplyWrites(ctx, api, repo, writes, pds.WriteOptions{})
	if err != nil {
		return nil, err
	}
	if len(ws) != len(creates) {
		return nil, fmt.Errorf("applyWrites of %d records answered %d results", len(creates), len(ws))
	}
	out := make([]Written, len(ws))
	for i, w := range ws {
		out[i] = Written{URI: w.URI, CID: w.CID}
	}
	return out, nil
}

func (p pdsRecords) DisplayName(ctx context.Context, host string, did syntax.DID) (string, error) {
	return p.c.DisplayName(ctx, host, did)
}
