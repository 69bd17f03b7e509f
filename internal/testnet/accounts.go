package testnet

import (
	"context"
	"fmt"
	"net/url"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// Account is a user on the test PDS.
type Account struct {
	Name     string        // short name: "alice"
	Handle   syntax.Handle // alice.test
	DID      syntax.DID
	Password string
	Email    string

	net         *Network
	accessToken string // a password session's access JWT, for direct writes
}

// createAccount registers <name>.test on the PDS.
func (n *Network) createAccount(ctx context.Context, name string) (*Account, error) {
	a := &Account{
		Name:     name,
		Handle:   syntax.Handle(name + Domain),
		Password: name + "-password",
		Email:    name + "@example.com",
		net:      n,
	}
	var out struct {
		AccessJwt string `json:"accessJwt"`
		DID       string `json:"did"`
	}
	in := map[string]string{"handle": a.Handle.String(), "email": a.Email, "password": a.Password}
	if err := n.xrpc(ctx, "", "com.atproto.server.createAccount", nil, in, &out); err != nil {
		return nil, fmt.Errorf("create account %s: %w", a.Handle, err)
	}
	did, err := syntax.ParseDID(out.DID)
	if err != nil {
		return nil, fmt.Errorf("create account %s: %w", a.Handle, err)
	}
	a.DID, a.accessToken = did, out.AccessJwt
	return a, nil
}

// RecordRef names a record written to the PDS.
type RecordRef struct {
	URI syntax.ATURI `json:"uri"`
	CID string       `json:"cid"`
}

// CreateRecord writes record into collection with com.atproto.repo.createRecord,
// as another app would. rkey may be empty (the PDS picks a TID). validate
// nil lets the PDS decide; false turns its validation off.
func (a *Account) CreateRecord(ctx context.Context, collection, rkey string, record any, validate *bool) (RecordRef, error) {
	in := map[string]any{"repo": a.DID.String(), "collection": collection, "record": record}
	if rkey != "" {
		in["rkey"] = rkey
	}
	if validate != nil {
		in["validate"] = *validate
	}
	var ref RecordRef
	err := a.net.xrpc(ctx, a.accessToken, "com.atproto.repo.createRecord", nil, in, &ref)
	return ref, err
}

// PutRecord writes record at collection/rkey with com.atproto.repo.putRecord.
func (a *Account) PutRecord(ctx context.Context, collection, rkey string, record any, validate *bool) (RecordRef, error) {
	in := map[string]any{"repo": a.DID.String(), "collection": collection, "rkey": rkey, "record": record}
	if validate != nil {
		in["validate"] = *validate
	}
	var ref RecordRef
	err := a.net.xrpc(ctx, a.accessToken, "com.atproto.repo.putRecord", nil, in, &ref)
	return ref, err
}

// DeleteRecord removes collection/rkey with com.atproto.repo.deleteRecord.
func (a *Account) DeleteRecord(ctx context.Context, collection, rkey string) error {
	in := map[string]any{"repo": a.DID.String(), "collection": collection, "rkey": rkey}
	return a.net.xrpc(ctx, a.accessToken, "com.atproto.repo.deleteRecord", nil, in, nil)
}

// Record is a record as com.atproto.repo.getRecord returns it.
type Record struct {
	URI   syntax.ATURI   `json:"uri"`
	CID   string         `json:"cid"`
	Value map[string]any `json:"value"`
}

// GetRecord reads collection/rkey of the account's repo (no auth needed).
func (a *Account) GetRecord(ctx context.Context, collection, rkey string) (Record, error) {
	q := url.Values{"repo": {a.DID.String()}, "collection": {collection}, "rkey": {rkey}}
	var rec Record
	err := a.net.xrpc(ctx, "", "com.atproto.repo.getRecord", q, nil, &rec)
	return rec, err
}

// ListRecords returns up to 100 records of collection in the account's repo.
func (a *Account) ListRecords(ctx context.Context, collection string) ([]Record, error) {
	q := url.Values{"repo": {a.DID.String()}, "collection": {collection}, "limit": {"100"}}
	var out struct {
		Records []Record `json:"records"`
	}
	err := a.net.xrpc(ctx, "", "com.atproto.repo.listRecords", q, nil, &out)
	return out.Records, err
}

// SetDisplayName writes the account's app.bsky.actor.profile/self record.
func (a *Account) SetDisplayName(ctx context.Context, name string) error {
	rec := map[string]any{"$type": "app.bsky.actor.profile", "displayName": name}
	_, err := a.PutRecord(ctx, "app.bsky.actor.profile", "self", rec, nil)
	return err
}

// RecordCIDs returns every record of collection in the accounts' repos
// (up to 100 each), URI → CID, as their PDS serves them now.
func RecordCIDs(ctx context.Context, collection string, accts ...*Account) (map[syntax.ATURI]string, error) {
	out := map[syntax.ATURI]string{}
	for _, a := range accts {
		recs, err := a.ListRecords(ctx, collection)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			out[r.URI] = r.CID
		}
	}
	return out, nil
}
