package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// LexiconVersion is one version of a com.atproto.lexicon.schema record:
// what the repository held at revision Rev, or its deletion.
type LexiconVersion struct {
	ID      int64
	URI     syntax.ATURI
	CID     string // "" for a deletion
	Rev     string
	SeenAt  time.Time
	Deleted bool
	// Invalid says why the record is not a usable schema ("" when it is).
	Invalid string
	// Schema is the record JSON as published (empty for a deletion).
	Schema []byte
}

// LexiconRecord is the current state of one schema record, with the
// verdict of its NSID's authority and its publisher's cached handle.
type LexiconRecord struct {
	URI       syntax.ATURI
	DID       syntax.DID
	NSID      syntax.NSID // the record key
	Authority string      // the NSID's authority in DNS order ("" if the key is no NSID)
	VersionID int64       // the current version
	CID       string
	Rev       string
	Invalid   string
	Deleted   bool
	UpdatedAt time.Time
	Handle    string // "" when the identity cache has none
	// AuthorityState and AuthorityDID are the authority's verdict (see
	// [LexiconAuthority]).
	AuthorityState string
	AuthorityDID   syntax.DID
}

// Authoritative reports whether r is published by the DID its NSID's
// authority names.
func (r LexiconRecord) Authoritative() bool {
	return r.AuthorityState == AuthorityFound && r.AuthorityDID == r.DID
}

// Verdicts of a copy of a schema, as [LexiconRecord.Verdict] names them.
const (
	VerdictAuthoritative = "authoritative"
	VerdictNotAuthority  = "not the authority"
	VerdictNoAuthority   = "no authority"
	VerdictLookupFailed  = "authority lookup failed"
	VerdictPending       = "authority not checked yet"
)

// Verdict says whether r is its NSID's authoritative copy, in words.
func (r LexiconRecord) Verdict() string {
	switch r.AuthorityState {
	case AuthorityFound:
		if r.DID == r.AuthorityDID {
			return VerdictAuthoritative
		}
		return VerdictNotAuthority
	case AuthorityNone:
		return VerdictNoAuthority
	case AuthorityFailed:
		return VerdictLookupFailed
	}
	return VerdictPending
}

// VerdictClass is the verdict as a CSS class: ok, failed or warn.
func (r LexiconRecord) VerdictClass() string {
	switch r.Verdict() {
	case VerdictAuthoritative:
		return "ok"
	case VerdictLookupFailed:
		return "failed"
	}
	return "warn"
}

// States of a [LexiconAuthority].
const (
	AuthorityPending = "pending" // not looked up yet
	AuthorityFound   = "found"   // the TXT record names DID
	AuthorityNone    = "none"    // no did= TXT record: nobody is the authority
	AuthorityFailed  = "failed"  // the lookup failed (Error): no verdict
)

// LexiconAuthority is the verdict of one NSID authority's _lexicon DNS TXT
// record.
type LexiconAuthority struct {
	Authority string // DNS order: statusphere.xyz
	DID       syntax.DID
	State     string
	Error     string
	CheckedAt time.Time
}

// lexiconRecordColumns are what scanLexiconRecord reads, from
// "lexicon_record r LEFT JOIN lexicon_authority a … LEFT JOIN identity i".
const lexiconRecordColumns = `r.uri, r.did, r.nsid, r.authority, r.version_id, r.cid, r.rev, r.invalid, r.deleted,
	r.updated_at, COALESCE(i.handle, ''), COALESCE(a.state, 'pending'), COALESCE(a.did, '')`

const lexiconRecordFrom = `
	FROM lexicon_record r
	LEFT JOIN lexicon_authority a ON a.authority = r.authority
	LEFT JOIN identity i ON i.did = r.did`

func scanLexiconRecord(sc rowScanner) (LexiconRecord, error) {
	var (
		r                           LexiconRecord
		uri, did, nsid, authorityID string
	)
	err := sc.Scan(&uri, &did, &nsid, &r.Authority, &r.VersionID, &r.CID, &r.Rev, &r.Invalid, &r.Deleted,
		timeScan{&r.UpdatedAt}, &r.Handle, &r.AuthorityState, &authorityID)
	r.URI, r.DID, r.NSID, r.AuthorityDID = syntax.ATURI(uri), syntax.DID(did), syntax.NSID(nsid), syntax.DID(authorityID)
	return r, err
}

const lexiconVersionColumns = `v.id, v.uri, v.cid, v.rev, v.seen_at, v.deleted, v.invalid, v.schema`

func scanLexiconVersion(sc rowScanner) (LexiconVersion, error) {
	var (
		v   LexiconVersion
		uri string
	)
	err := sc.Scan(&v.ID, &uri, &v.CID, &v.Rev, timeScan{&v.SeenAt}, &v.Deleted, &v.Invalid, &v.Schema)
	v.URI = syntax.ATURI(uri)
	return v, err
}

// PutLexiconVersion records v (not a deletion) as the current version of
// the schema record rec.URI of rec.DID, NSID rec.NSID, referring to refs.
// A version whose CID is already the record's current one is not added
// again (the stream and a backfill see the same record), and it reports
// false. The NSID's authority (if rec.Authority is set) is queued for a
// check, the publisher for an identity lookup.
func (c *conn) PutLexiconVersion(ctx context.Context, rec LexiconRecord, v LexiconVersion, refs []syntax.NSID) (bool, error) {
	cur, err := c.lexiconCurrent(ctx, rec.URI)
	if err != nil {
		return false, err
	}
	if cur != nil && !cur.Deleted && cur.CID == v.CID {
		return false, nil
	}
	v.URI, v.Deleted = rec.URI, false
	id, err := c.insertLexiconVersion(ctx, v)
	if err != nil {
		return false, err
	}
	rec.VersionID, rec.CID, rec.Rev, rec.Invalid, rec.Deleted, rec.UpdatedAt = id, v.CID, v.Rev, v.Invalid, false, v.SeenAt
	if err := c.upsertLexiconRecord(ctx, rec); err != nil {
		return false, err
	}
	if err := c.setLexiconRefs(ctx, rec.URI, refs); err != nil {
		return false, err
	}
	if rec.Authority != "" { // "": the record key is no NSID
		_, err = c.exec(ctx, `INSERT INTO lexicon_authority (authority) VALUES ($1) ON CONFLICT (authority) DO NOTHING`, rec.Authority)
		if err != nil {
			return false, fmt.Errorf("store: queue authority %s: %w", rec.Authority, err)
		}
	}
	_, err = c.exec(ctx, `INSERT INTO identity_pending (did) SELECT $1
		WHERE NOT EXISTS (SELECT 1 FROM identity WHERE did = $1) ON CONFLICT (did) DO NOTHING`, string(rec.DID))
	if err != nil {
		return false, fmt.Errorf("store: queue identity of %s: %w", rec.DID, err)
	}
	return true, nil
}

// DeleteLexiconRecord records the deletion of the schema record uri at rev
// (a version of its own) and marks the record deleted; its versions stay.
// A record not stored, or already deleted, is left as it is.
func (c *conn) DeleteLexiconRecord(ctx context.Context, uri syntax.ATURI, rev string, at time.Time) error {
	cur, err := c.lexiconCurrent(ctx, uri)
	if err != nil || cur == nil || cur.Deleted {
		return err
	}
	id, err := c.insertLexiconVersion(ctx, LexiconVersion{URI: uri, Rev: rev, SeenAt: at, Deleted: true, Schema: []byte{}})
	if err != nil {
		return err
	}
	_, err = c.exec(ctx, `UPDATE lexicon_record SET version_id = $1, cid = '', rev = $2, deleted = $3, updated_at = $4
		WHERE uri = $5`, id, rev, true, c.d.timeArg(at), string(uri))
	if err != nil {
		return fmt.Errorf("store: delete lexicon record %s: %w", uri, err)
	}
	if _, err := c.exec(ctx, `DELETE FROM lexicon_ref WHERE uri = $1`, string(uri)); err != nil {
		return fmt.Errorf("store: clear references of %s: %w", uri, err)
	}
	return nil
}

// LiveLexiconURIs returns the URIs of did's schema records not deleted, in
// URI order: what a snapshot of the repository must still hold.
func (c *conn) LiveLexiconURIs(ctx context.Context, did syntax.DID) ([]syntax.ATURI, error) {
	rows, err := c.query(ctx, `SELECT uri FROM lexicon_record WHERE did = $1 AND deleted = $2 ORDER BY uri`, string(did), false)
	if err != nil {
		return nil, fmt.Errorf("store: lexicon records of %s: %w", did, err)
	}
	out, err := collect(rows, scanString[syntax.ATURI])
	if err != nil {
		return nil, fmt.Errorf("store: lexicon records of %s: %w", did, err)
	}
	return out, nil
}

// lexiconCurrent reads the record at uri through the write side (inside a
// transaction it sees the transaction's writes); nil when there is none.
func (c *conn) lexiconCurrent(ctx context.Context, uri syntax.ATURI) (*LexiconRecord, error) {
	var (
		cid     string
		deleted bool
	)
	err := c.w.QueryRowContext(ctx, c.d.rebind(`SELECT cid, deleted FROM lexicon_record WHERE uri = $1`), string(uri)).Scan(&cid, &deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: lexicon record %s: %w", uri, err)
	}
	return &LexiconRecord{URI: uri, CID: cid, Deleted: deleted}, nil
}

func (c *conn) insertLexiconVersion(ctx context.Context, v LexiconVersion) (int64, error) {
	schema := v.Schema
	if schema == nil {
		schema = []byte{}
	}
	var id int64
	err := c.w.QueryRowContext(ctx, c.d.rebind(`
		INSERT INTO lexicon_version (uri, cid, rev, seen_at, deleted, invalid, schema)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`),
		string(v.URI), v.CID, v.Rev, c.d.timeArg(v.SeenAt), v.Deleted, v.Invalid, schema).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: add a version of %s: %w", v.URI, err)
	}
	return id, nil
}

func (c *conn) upsertLexiconRecord(ctx context.Context, r LexiconRecord) error {
	_, err := c.exec(ctx, `
		INSERT INTO lexicon_record (uri, did, nsid, authority, version_id, cid, rev, invalid, deleted, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (uri) DO UPDATE SET
			version_id = excluded.version_id,
			cid        = excluded.cid,
			rev        = excluded.rev,
			invalid    = excluded.invalid,
			deleted    = excluded.deleted,
			updated_at = excluded.updated_at`,
		string(r.URI), string(r.DID), string(r.NSID), r.Authority, r.VersionID, r.CID, r.Rev, r.Invalid, r.Deleted,
		c.d.timeArg(r.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: upsert lexicon record %s: %w", r.URI, err)
	}
	return nil
}

// setLexiconRefs makes refs (sorted) the references of uri, writing only
// when they changed (most new versions keep their references).
func (c *conn) setLexiconRefs(ctx context.Context, uri syntax.ATURI, refs []syntax.NSID) error {
	rows, err := c.w.QueryContext(ctx, c.d.rebind(`SELECT to_nsid FROM lexicon_ref WHERE uri = $1 ORDER BY to_nsid`), string(uri))
	if err != nil {
		return fmt.Errorf("store: references of %s: %w", uri, err)
	}
	old, err := collect(rows, scanString[syntax.NSID])
	if err != nil {
		return fmt.Errorf("store: references of %s: %w", uri, err)
	}
	if slices.Equal(old, refs) || (len(old) == 0 && len(refs) == 0) {
		return nil
	}
	if _, err := c.exec(ctx, `DELETE FROM lexicon_ref WHERE uri = $1`, string(uri)); err != nil {
		return fmt.Errorf("store: clear references of %s: %w", uri, err)
	}
	for _, to := range refs {
		_, err := c.exec(ctx, `INSERT INTO lexicon_ref (uri, to_nsid) VALUES ($1, $2) ON CONFLICT DO NOTHING`, string(uri), string(to))
		if err != nil {
			return fmt.Errorf("store: reference of %s: %w", uri, err)
		}
	}
	return nil
}
