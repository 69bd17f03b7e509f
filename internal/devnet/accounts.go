package devnet

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/bluesky-social/indigo/atproto/atclient"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/pds"
)

// Account is a user on the local PDS, with a password session.
type Account struct {
	Name     string        // short name: "alice"
	Handle   syntax.Handle // alice.test
	DID      syntax.DID
	Password string
	Email    string

	net *Network
	api *atclient.APIClient // a password session, for direct writes
}

// ensureAccount logs in to <name>.test, creating the account first unless
// it exists already (a network kept in Config.Dir).
func (n *Network) ensureAccount(ctx context.Context, name string) (*Account, error) {
	a := &Account{
		Name:     name,
		Handle:   syntax.Handle(name + Domain),
		Password: name + "-password",
		Email:    name + "@example.com",
		net:      n,
	}
	sess, err := n.pds.CreateSession(ctx, n.PDSURL, a.Handle.String(), a.Password)
	if err != nil { // no such account yet
		api := atclient.NewAPIClient(n.PDSURL)
		api.Client = n.HTTPClient
		in := map[string]string{"handle": a.Handle.String(), "email": a.Email, "password": a.Password}
		if err := pds.Procedure(ctx, api, "com.atproto.server.createAccount", in, nil); err != nil {
			return nil, fmt.Errorf("create account %s: %w", a.Handle, err)
		}
		if sess, err = n.pds.CreateSession(ctx, n.PDSURL, a.Handle.String(), a.Password); err != nil {
			return nil, fmt.Errorf("log in to %s: %w", a.Handle, err)
		}
	}
	a.DID, a.api = *sess.AccountDID, sess
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
	w, err := pds.CreateRecordWith(ctx, a.api, a.DID, syntax.NSID(collection), syntax.RecordKey(rkey), record, pds.WriteOptions{Validate: validate})
	return RecordRef(w), err
}

// PutRecord writes record at collection/rkey with com.atproto.repo.putRecord.
func (a *Account) PutRecord(ctx context.Context, collection, rkey string, record any, validate *bool) (RecordRef, error) {
	w, err := pds.PutRecord(ctx, a.api, a.DID, syntax.NSID(collection), syntax.RecordKey(rkey), record, pds.WriteOptions{Validate: validate})
	return RecordRef(w), err
}

// DeleteRecord removes collection/rkey with com.atproto.repo.deleteRecord.
func (a *Account) DeleteRecord(ctx context.Context, collection, rkey string) error {
	return pds.DeleteRecord(ctx, a.api, a.DID, syntax.NSID(collection), syntax.RecordKey(rkey), pds.WriteOptions{})
}

// Session returns the account's password session on the PDS, for calls of
// package pds (applyWrites, …).
func (a *Account) Session() *atclient.APIClient { return a.api }

// Record is a record as com.atproto.repo.getRecord returns it.
type Record struct {
	URI   syntax.ATURI   `json:"uri"`
	CID   string         `json:"cid"`
	Value map[string]any `json:"value"`
}

// GetRecord reads collection/rkey of the account's repo (no auth needed).
func (a *Account) GetRecord(ctx context.Context, collection, rkey string) (Record, error) {
	rec, err := a.net.pds.GetRecord(ctx, a.net.PDSURL, a.DID, syntax.NSID(collection), syntax.RecordKey(rkey))
	if err != nil {
		return Record{}, err
	}
	return decodeRecord(rec)
}

// ListRecords returns up to 100 records of collection in the account's repo.
func (a *Account) ListRecords(ctx context.Context, collection string) ([]Record, error) {
	page, err := a.net.pds.ListRecords(ctx, a.net.PDSURL, a.DID, syntax.NSID(collection), "", 100)
	if err != nil {
		return nil, err
	}
	out := make([]Record, 0, len(page.Records))
	for _, r := range page.Records {
		rec, err := decodeRecord(r)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}

// decodeRecord decodes the value of a record read with package pds.
func decodeRecord(r pds.Record) (Record, error) {
	rec := Record{URI: r.URI, CID: r.CID}
	if err := json.Unmarshal(r.Value, &rec.Value); err != nil {
		return Record{}, fmt.Errorf("record %s: %w", r.URI, err)
	}
	return rec, nil
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
