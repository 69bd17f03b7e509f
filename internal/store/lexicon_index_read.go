package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// LexiconCounts sums up the lexicon index.
type LexiconCounts struct {
	NSIDs       int64 // distinct NSIDs with a live record
	Records     int64 // live records (not deleted)
	Versions    int64 // versions, deletions included
	Invalid     int64 // live records whose current version is invalid
	Deleted     int64 // deleted records
	Authorities int64
}

// AuthorityCount is an authority with how many NSIDs it has live records of.
type AuthorityCount struct {
	LexiconAuthority
	NSIDs int64
}

func (c *conn) lexiconRecords(ctx context.Context, what, where string, args ...any) ([]LexiconRecord, error) {
	rows, err := c.query(ctx, `SELECT `+lexiconRecordColumns+lexiconRecordFrom+` `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	out, err := collect(rows, scanLexiconRecord)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return out, nil
}

// LexiconCopies returns every record published under nsid, by any DID,
// deleted and invalid ones included, by DID.
func (c *conn) LexiconCopies(ctx context.Context, nsid syntax.NSID) ([]LexiconRecord, error) {
	return c.lexiconRecords(ctx, "copies of "+nsid.String(), `WHERE r.nsid = $1 ORDER BY r.did`, string(nsid))
}

// AuthoritativeLexicon returns nsid's live, valid record published by the
// DID its authority names, and its current version; an error matching
// ErrNotFound when there is none (unknown NSID, only other publishers'
// copies, no verdict yet, or a failed lookup).
func (c *conn) AuthoritativeLexicon(ctx context.Context, nsid syntax.NSID) (LexiconRecord, LexiconVersion, error) {
	var (
		rec LexiconRecord
		v   LexiconVersion
		uri string
	)
	// Two lookups by key, whatever the planner's statistics: the DID the
	// authority names, then that DID's record of nsid.
	err := c.queryRow(ctx, `
		SELECT r.uri, r.did, r.cid, r.rev, r.updated_at,
			(SELECT v.schema FROM lexicon_version v WHERE v.id = r.version_id)
		FROM lexicon_record r
		WHERE r.nsid = $1 AND r.deleted = $4 AND r.invalid = ''
			AND r.did = (SELECT a.did FROM lexicon_authority a WHERE a.authority = $2 AND a.state = $3)`,
		string(nsid), nsid.Authority(), AuthorityFound, false).Scan(&uri, &rec.DID, &rec.CID, &rec.Rev, timeScan{&rec.UpdatedAt}, &v.Schema)
	if errors.Is(err, sql.ErrNoRows) {
		return LexiconRecord{}, LexiconVersion{}, fmt.Errorf("store: authoritative lexicon %s: %w", nsid, ErrNotFound)
	}
	if err != nil {
		return LexiconRecord{}, LexiconVersion{}, fmt.Errorf("store: authoritative lexicon %s: %w", nsid, err)
	}
	if v.Schema == nil {
		v.Schema = []byte{}
	}
	rec.URI, rec.NSID, rec.AuthorityState, rec.AuthorityDID = syntax.ATURI(uri), nsid, AuthorityFound, rec.DID
	v.URI, v.CID, v.Rev = rec.URI, rec.CID, rec.Rev
	return rec, v, nil
}

// LexiconVersions returns every version of the record at uri, oldest first.
func (c *conn) LexiconVersions(ctx context.Context, uri syntax.ATURI) ([]LexiconVersion, error) {
	rows, err := c.query(ctx, `SELECT `+lexiconVersionColumns+` FROM lexicon_version v WHERE v.uri = $1 ORDER BY v.id`, string(uri))
	if err != nil {
		return nil, fmt.Errorf("store: versions of %s: %w", uri, err)
	}
	out, err := collect(rows, scanLexiconVersion)
	if err != nil {
		return nil, fmt.Errorf("store: versions of %s: %w", uri, err)
	}
	return out, nil
}

// LexiconUsedBy returns the live records whose current version refers to
// nsid, at most limit, by URI (the order of the reference index, so that
// the query stops after limit rows however many refer to nsid).
func (c *conn) LexiconUsedBy(ctx context.Context, nsid syntax.NSID, limit int) ([]LexiconRecord, error) {
	// The limit applies to the reference index first (an index-only scan
	// of limit entries), then each record is read by key.
	rows, err := c.query(ctx, `
		SELECT `+lexiconRecordColumns+`
		FROM (SELECT uri FROM lexicon_ref WHERE to_nsid = $1 ORDER BY uri LIMIT $2) f
		JOIN lexicon_record r ON r.uri = f.uri
		LEFT JOIN lexicon_authority a ON a.authority = r.authority
		LEFT JOIN identity i ON i.did = r.did
		ORDER BY f.uri`, string(nsid), limit)
	if err != nil {
		return nil, fmt.Errorf("store: users of %s: %w", nsid, err)
	}
	out, err := collect(rows, scanLexiconRecord)
	if err != nil {
		return nil, fmt.Errorf("store: users of %s: %w", nsid, err)
	}
	return out, nil
}

// SearchLexicons returns at most limit live records whose NSID starts with
// prefix, by NSID.
func (c *conn) SearchLexicons(ctx context.Context, prefix string, limit int) ([]LexiconRecord, error) {
	// '~' sorts after every character an NSID may hold.
	return c.lexiconRecords(ctx, "search lexicons", `
		WHERE r.nsid >= $1 AND r.nsid < $2 AND r.deleted = $3 ORDER BY r.nsid, r.did LIMIT $4`,
		prefix, prefix+"~", false, limit)
}

// LexiconsByAuthority returns at most limit live records of authority's
// NSIDs, by NSID.
func (c *conn) LexiconsByAuthority(ctx context.Context, authority string, limit int) ([]LexiconRecord, error) {
	return c.lexiconRecords(ctx, "lexicons of "+authority, `
		WHERE r.authority = $1 AND r.deleted = $2 ORDER BY r.nsid, r.did LIMIT $3`, authority, false, limit)
}

// RecentLexicons returns the limit records changed last, deletions
// included, newest first.
func (c *conn) RecentLexicons(ctx context.Context, limit int) ([]LexiconRecord, error) {
	return c.lexiconRecords(ctx, "recent lexicons", `ORDER BY r.updated_at DESC, r.uri LIMIT $1`, limit)
}

// InvalidLexicons returns at most limit live records whose current version
// is not a usable schema, newest first.
func (c *conn) InvalidLexicons(ctx context.Context, limit int) ([]LexiconRecord, error) {
	return c.lexiconRecords(ctx, "invalid lexicons", `
		WHERE r.invalid <> '' AND r.deleted = $1 ORDER BY r.updated_at DESC, r.uri LIMIT $2`, false, limit)
}

// LexiconCounts counts the index.
func (c *conn) LexiconCounts(ctx context.Context) (LexiconCounts, error) {
	var n LexiconCounts
	err := c.queryRow(ctx, `
		SELECT
			(SELECT count(DISTINCT nsid) FROM lexicon_record WHERE deleted = $1),
			(SELECT count(*) FROM lexicon_record WHERE deleted = $1),
			(SELECT count(*) FROM lexicon_version),
			(SELECT count(*) FROM lexicon_record WHERE deleted = $1 AND invalid <> ''),
			(SELECT count(*) FROM lexicon_record WHERE deleted = $2),
			(SELECT count(*) FROM lexicon_authority)`, false, true).
		Scan(&n.NSIDs, &n.Records, &n.Versions, &n.Invalid, &n.Deleted, &n.Authorities)
	if err != nil {
		return LexiconCounts{}, fmt.Errorf("store: count lexicons: %w", err)
	}
	return n, nil
}

// LexiconAuthorities returns at most limit authorities, by authority, each
// with its verdict and how many NSIDs it has live records of.
func (c *conn) LexiconAuthorities(ctx context.Context, limit int) ([]AuthorityCount, error) {
	rows, err := c.query(ctx, `
		SELECT a.authority, a.did, a.state, a.error, a.checked_at,
			(SELECT count(DISTINCT r.nsid) FROM lexicon_record r WHERE r.authority = a.authority AND r.deleted = $1)
		FROM lexicon_authority a ORDER BY a.authority LIMIT $2`, false, limit)
	if err != nil {
		return nil, fmt.Errorf("store: lexicon authorities: %w", err)
	}
	out, err := collect(rows, func(sc rowScanner) (AuthorityCount, error) {
		var (
			a   AuthorityCount
			did string
		)
		err := sc.Scan(&a.Authority, &did, &a.State, &a.Error, timeScan{&a.CheckedAt}, &a.NSIDs)
		a.DID = syntax.DID(did)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: lexicon authorities: %w", err)
	}
	return out, nil
}

// LexiconAuthority returns authority's verdict, or an error matching
// ErrNotFound.
func (c *conn) LexiconAuthority(ctx context.Context, authority string) (LexiconAuthority, error) {
	a := LexiconAuthority{Authority: authority}
	var did string
	err := c.queryRow(ctx, `SELECT did, state, error, checked_at FROM lexicon_authority WHERE authority = $1`, authority).
		Scan(&did, &a.State, &a.Error, timeScan{&a.CheckedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return LexiconAuthority{}, fmt.Errorf("store: lexicon authority %s: %w", authority, ErrNotFound)
	}
	if err != nil {
		return LexiconAuthority{}, fmt.Errorf("store: lexicon authority %s: %w", authority, err)
	}
	a.DID = syntax.DID(did)
	return a, nil
}

// DueLexiconAuthorities returns at most limit authorities last checked
// before before (never checked first).
func (c *conn) DueLexiconAuthorities(ctx context.Context, before time.Time, limit int) ([]string, error) {
	rows, err := c.query(ctx, `SELECT authority FROM lexicon_authority WHERE checked_at < $1
		ORDER BY checked_at, authority LIMIT $2`, c.d.timeArg(before), limit)
	if err != nil {
		return nil, fmt.Errorf("store: due lexicon authorities: %w", err)
	}
	out, err := collect(rows, scanString[string])
	if err != nil {
		return nil, fmt.Errorf("store: due lexicon authorities: %w", err)
	}
	return out, nil
}

// SetLexiconAuthority stores an authority's verdict.
func (c *conn) SetLexiconAuthority(ctx context.Context, a LexiconAuthority) error {
	_, err := c.exec(ctx, `
		INSERT INTO lexicon_authority (authority, did, state, error, checked_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (authority) DO UPDATE SET
			did = excluded.did, state = excluded.state, error = excluded.error, checked_at = excluded.checked_at`,
		a.Authority, string(a.DID), a.State, a.Error, c.d.timeArg(a.CheckedAt))
	if err != nil {
		return fmt.Errorf("store: set lexicon authority %s: %w", a.Authority, err)
	}
	return nil
}

// RecheckLexiconAuthoritiesOf makes the authorities of did's records due
// for a check now (did's identity changed).
func (c *conn) RecheckLexiconAuthoritiesOf(ctx context.Context, did syntax.DID) error {
	_, err := c.exec(ctx, `UPDATE lexicon_authority SET checked_at = $1
		WHERE authority IN (SELECT authority FROM lexicon_record WHERE did = $2) OR did = $2`,
		c.d.timeArg(time.Time{}), string(did))
	if err != nil {
		return fmt.Errorf("store: recheck the lexicon authorities of %s: %w", did, err)
	}
	return nil
}
