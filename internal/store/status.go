package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// Status is one xyz.statusphere.status record.
type Status struct {
	URI       syntax.ATURI // at://did/xyz.statusphere.status/rkey
	AuthorDID syntax.DID
	RKey      syntax.RecordKey
	Status    string
	CID       string    // empty for an optimistic write not yet seen on the firehose
	Rev       string    // repo revision (TID) of the commit that wrote it; may be empty
	Record    []byte    // the record JSON exactly as written, unknown fields included
	CreatedAt time.Time // the record's createdAt (UTC)
	IndexedAt time.Time // when it was first stored (UTC)
}

// TimelineEntry is a Status with its author's handle and its note.
type TimelineEntry struct {
	Status
	Handle string // "" when the identity cache has none
	// Note is the status's note (same author and record key), nil when
	// none is stored. Its URI, AuthorDID, RKey, Text, CID and Record are
	// set; its times and Rev are not.
	Note *Note
}

// TimelineKey is a position in the timeline: entries are ordered by
// IndexedAt descending, then URI ascending.
type TimelineKey struct {
	IndexedAt time.Time
	URI       syntax.ATURI
}

// Key returns e's position in the timeline, for [Store.TimelineAfter].
func (e TimelineEntry) Key() TimelineKey {
	return TimelineKey{IndexedAt: e.IndexedAt, URI: e.URI}
}

// statusColumns are the columns scanStatus reads, in order, from "status s".
const statusColumns = `s.uri, s.author_did, s.rkey, s.status, s.cid, s.rev, s.record, s.created_at, s.indexed_at`

// scanStatus scans statusColumns, then more.
func scanStatus(sc rowScanner, more ...any) (Status, error) {
	var (
		st             Status
		uri, did, rkey string
	)
	dest := append([]any{&uri, &did, &rkey, &st.Status, &st.CID, &st.Rev, &st.Record,
		timeScan{&st.CreatedAt}, timeScan{&st.IndexedAt}}, more...)
	if err := sc.Scan(dest...); err != nil {
		return Status{}, err
	}
	st.URI, st.AuthorDID, st.RKey = syntax.ATURI(uri), syntax.DID(did), syntax.RecordKey(rkey)
	if st.Record == nil {
		st.Record = []byte{}
	}
	return st, nil
}

// entryNoteColumns are the note columns of an entry, after the handle:
// NULL when the status has no note.
const entryNoteColumns = `n.uri, n.text, n.cid, n.record`

// entryNoteJoin joins a status "s" to its note "n".
const entryNoteJoin = `
		LEFT JOIN note n ON n.author_did = s.author_did AND n.rkey = s.rkey`

func scanTimelineEntry(sc rowScanner) (TimelineEntry, error) {
	var (
		e                 TimelineEntry
		nURI, nText, nCID sql.NullString
		nRecord           []byte
	)
	st, err := scanStatus(sc, &e.Handle, &nURI, &nText, &nCID, &nRecord)
	e.Status = st
	if err == nil && nURI.Valid {
		e.Note = &Note{
			URI: syntax.ATURI(nURI.String), AuthorDID: st.AuthorDID, RKey: st.RKey,
			Text: nText.String, CID: nCID.String, Record: nRecord,
		}
	}
	return e, err
}

// UpsertStatus stores st, inserting it or updating the row with the same
// URI. An update keeps the row's IndexedAt (its place in the timeline) and
// is skipped when both the stored and the new Rev are set and the new one is
// older (a stale event).
func (c *conn) UpsertStatus(ctx context.Context, st Status) error {
	if st.URI == "" || st.AuthorDID == "" {
		return fmt.Errorf("store: upsert status %q: URI and AuthorDID are required", st.URI)
	}
	record := st.Record
	if record == nil {
		record = []byte{}
	}
	_, err := c.exec(ctx, `
		INSERT INTO status (uri, author_did, rkey, status, cid, rev, record, created_at, indexed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (uri) DO UPDATE SET
			author_did = excluded.author_did,
			rkey       = excluded.rkey,
			status     = excluded.status,
			cid        = excluded.cid,
			rev        = excluded.rev,
			record     = excluded.record,
			created_at = excluded.created_at
		WHERE excluded.rev = '' OR status.rev = '' OR excluded.rev >= status.rev`,
		string(st.URI), string(st.AuthorDID), string(st.RKey), st.Status, st.CID, st.Rev, record,
		c.d.timeArg(st.CreatedAt), c.d.timeArg(st.IndexedAt))
	if err != nil {
		return fmt.Errorf("store: upsert status %s: %w", st.URI, err)
	}
	return nil
}

// DeleteStatus removes the status with this URI; it is not an error if
// there is none.
func (c *conn) DeleteStatus(ctx context.Context, uri syntax.ATURI) error {
	if _, err := c.exec(ctx, `DELETE FROM status WHERE uri = $1`, string(uri)); err != nil {
		return fmt.Errorf("store: delete status %s: %w", uri, err)
	}
	return nil
}

// Status returns the status with this URI, or an error matching ErrNotFound.
func (c *conn) Status(ctx context.Context, uri syntax.ATURI) (Status, error) {
	st, err := scanStatus(c.queryRow(ctx, `SELECT `+statusColumns+` FROM status s WHERE s.uri = $1`, string(uri)))
	if errors.Is(err, sql.ErrNoRows) {
		return Status{}, fmt.Errorf("store: status %s: %w", uri, ErrNotFound)
	}
	if err != nil {
		return Status{}, fmt.Errorf("store: status %s: %w", uri, err)
	}
	return st, nil
}

// LatestStatus returns author's status with the newest CreatedAt (whether
// or not the account is hidden), or an error matching ErrNotFound.
func (c *conn) LatestStatus(ctx context.Context, author syntax.DID) (Status, error) {
	st, err := scanStatus(c.queryRow(ctx, `
		SELECT `+statusColumns+`
		FROM status s
		WHERE s.author_did = $1
		ORDER BY s.created_at DESC, s.uri DESC
		LIMIT 1`, string(author)))
	if errors.Is(err, sql.ErrNoRows) {
		return Status{}, fmt.Errorf("store: latest status of %s: %w", author, ErrNotFound)
	}
	if err != nil {
		return Status{}, fmt.Errorf("store: latest status of %s: %w", author, err)
	}
	return st, nil
}

// CountStatuses returns the number of stored statuses.
func (c *conn) CountStatuses(ctx context.Context) (int64, error) {
	var n int64
	if err := c.queryRow(ctx, `SELECT count(*) FROM status`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count statuses: %w", err)
	}
	return n, nil
}

// timelineSelect and timelineOrder frame every timeline query: statuses of
// authors not hidden, with the cached handle and the note, newest first.
// The order is the status_timeline index's, so the database walks that
// index and stops after limit rows (the note is one lookup in
// note_author_rkey per row).
const (
	entrySelect = `
		SELECT ` + statusColumns + `, COALESCE(i.handle, ''), ` + entryNoteColumns + `
		FROM status s
		LEFT JOIN identity i ON i.did = s.author_did` + entryNoteJoin + `
		WHERE NOT EXISTS (SELECT 1 FROM account a WHERE a.did = s.author_did AND NOT a.active)`
	timelineSelect = entrySelect
	timelineOrder  = `
		ORDER BY s.indexed_at DESC, s.uri
		LIMIT $1`
)

// Timeline returns at most limit statuses, newest first (by IndexedAt, ties
// by URI), leaving out hidden accounts, each with its author's cached
// handle. With a zero before it starts from the newest; otherwise it returns
// only entries indexed strictly before it. Entries that share the last
// page's IndexedAt are skipped that way; [Store.TimelineAfter] pages without
// that gap.
func (c *conn) Timeline(ctx context.Context, limit int, before time.Time) ([]TimelineEntry, error) {
	if before.IsZero() {
		return c.timeline(ctx, timelineSelect+timelineOrder, limit)
	}
	return c.timeline(ctx, timelineSelect+` AND s.indexed_at < $2`+timelineOrder,
		limit, c.d.timeArg(before))
}

// TimelineAfter is [Store.Timeline] paged by position: it returns the
// entries that follow after in timeline order (the zero TimelineKey starts
// from the newest). Pass the Key of the last entry of a page to get the
// next page.
func (c *conn) TimelineAfter(ctx context.Context, limit int, after TimelineKey) ([]TimelineEntry, error) {
	if after.IndexedAt.IsZero() {
		return c.timeline(ctx, timelineSelect+timelineOrder, limit)
	}
	// The first condition bounds the index range scanned; the second drops
	// the entries at the same instant that came before after.URI.
	return c.timeline(ctx, timelineSelect+`
		AND s.indexed_at <= $2
		AND (s.indexed_at < $2 OR s.uri > $3)`+timelineOrder,
		limit, c.d.timeArg(after.IndexedAt), string(after.URI))
}

func (c *conn) timeline(ctx context.Context, q string, limit int, args ...any) ([]TimelineEntry, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("store: timeline: limit %d is not positive", limit)
	}
	rows, err := c.query(ctx, q, append([]any{limit}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("store: timeline: %w", err)
	}
	entries, err := collect(rows, scanTimelineEntry)
	if err != nil {
		return nil, fmt.Errorf("store: timeline: %w", err)
	}
	return entries, nil
}

// StatusURIsByAuthor returns the URIs of every status stored for author
// (hidden account or not), in URI order. A whole-repository snapshot uses
// it to remove the rows the repository no longer holds.
func (c *conn) StatusURIsByAuthor(ctx context.Context, author syntax.DID) ([]syntax.ATURI, error) {
	rows, err := c.query(ctx, `SELECT uri FROM status WHERE author_did = $1 ORDER BY uri`, string(author))
	if err != nil {
		return nil, fmt.Errorf("store: status URIs of %s: %w", author, err)
	}
	out, err := collect(rows, scanString[syntax.ATURI])
	if err != nil {
		return nil, fmt.Errorf("store: status URIs of %s: %w", author, err)
	}
	return out, nil
}
