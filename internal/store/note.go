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

// Note is one org.gostatusphere.note record: the sidecar of the status
// with the same author and record key.
type Note struct {
	URI       syntax.ATURI // at://did/org.gostatusphere.note/rkey
	AuthorDID syntax.DID
	RKey      syntax.RecordKey // the record key of the status it annotates
	Text      string
	CID       string    // empty for an optimistic write not yet seen on the firehose
	Rev       string    // repo revision (TID) of the commit that wrote it; may be empty
	Record    []byte    // the record JSON exactly as written, unknown fields included
	CreatedAt time.Time // the record's createdAt (UTC)
	IndexedAt time.Time // when it was first stored (UTC)
}

// noteColumns are the columns scanNote reads, in order, from "note n".
const noteColumns = `n.uri, n.author_did, n.rkey, n.text, n.cid, n.rev, n.record, n.created_at, n.indexed_at`

func scanNote(sc rowScanner) (Note, error) {
	var (
		n              Note
		uri, did, rkey string
	)
	err := sc.Scan(&uri, &did, &rkey, &n.Text, &n.CID, &n.Rev, &n.Record, timeScan{&n.CreatedAt}, timeScan{&n.IndexedAt})
	n.URI, n.AuthorDID, n.RKey = syntax.ATURI(uri), syntax.DID(did), syntax.RecordKey(rkey)
	return n, err
}

// UpsertNote stores n, inserting it or updating the row with the same URI,
// whether or not its status is stored. Like [Store.UpsertStatus], an
// update keeps IndexedAt and is skipped when both Revs are set and the new
// one is older.
func (c *conn) UpsertNote(ctx context.Context, n Note) error {
	if n.URI == "" || n.AuthorDID == "" || n.RKey == "" {
		return fmt.Errorf("store: upsert note %q: URI, AuthorDID and RKey are required", n.URI)
	}
	record := n.Record
	if record == nil {
		record = []byte{}
	}
	_, err := c.exec(ctx, `
		INSERT INTO note (uri, author_did, rkey, text, cid, rev, record, created_at, indexed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (uri) DO UPDATE SET
			text       = excluded.text,
			cid        = excluded.cid,
			rev        = excluded.rev,
			record     = excluded.record,
			created_at = excluded.created_at
		WHERE excluded.rev = '' OR note.rev = '' OR excluded.rev >= note.rev`,
		string(n.URI), string(n.AuthorDID), string(n.RKey), n.Text, n.CID, n.Rev, record,
		c.d.timeArg(n.CreatedAt), c.d.timeArg(n.IndexedAt))
	if err != nil {
		return fmt.Errorf("store: upsert note %s: %w", n.URI, err)
	}
	return nil
}

// DeleteNote removes the note with this URI; it is not an error if there
// is none.
func (c *conn) DeleteNote(ctx context.Context, uri syntax.ATURI) error {
	if _, err := c.exec(ctx, `DELETE FROM note WHERE uri = $1`, string(uri)); err != nil {
		return fmt.Errorf("store: delete note %s: %w", uri, err)
	}
	return nil
}

// Note returns the note with this URI (shown or not), or an error matching
// ErrNotFound.
func (c *conn) Note(ctx context.Context, uri syntax.ATURI) (Note, error) {
	n, err := scanNote(c.queryRow(ctx, `SELECT `+noteColumns+` FROM note n WHERE n.uri = $1`, string(uri)))
	if errors.Is(err, sql.ErrNoRows) {
		return Note{}, fmt.Errorf("store: note %s: %w", uri, ErrNotFound)
	}
	if err != nil {
		return Note{}, fmt.Errorf("store: note %s: %w", uri, err)
	}
	return n, nil
}

// NoteURIsByAuthor returns the URIs of every note stored for author, in
// URI order.
func (c *conn) NoteURIsByAuthor(ctx context.Context, author syntax.DID) ([]syntax.ATURI, error) {
	rows, err := c.query(ctx, `SELECT uri FROM note WHERE author_did = $1 ORDER BY uri`, string(author))
	if err != nil {
		return nil, fmt.Errorf("store: note URIs of %s: %w", author, err)
	}
	out, err := collect(rows, scanString[syntax.ATURI])
	if err != nil {
		return nil, fmt.Errorf("store: note URIs of %s: %w", author, err)
	}
	return out, nil
}

// ReplaceNotes is the note part of a whole-repository snapshot, as
// [Tx.ReplaceStatuses] is for statuses: rows become author's notes, every
// other stored note of author is deleted (and returned unless it is in
// invalid), and the rows at the URIs in invalid are deleted too.
func (tx *Tx) ReplaceNotes(ctx context.Context, author syntax.DID, rows []Note, invalid []syntax.ATURI) (removed []syntax.ATURI, err error) {
	keep := make(map[syntax.ATURI]bool, len(rows)+len(invalid))
	for _, r := range rows {
		keep[r.URI] = true
	}
	for _, u := range invalid {
		keep[u] = true
	}
	held, err := tx.NoteURIsByAuthor(ctx, author)
	if err != nil {
		return nil, err
	}
	for _, u := range held {
		if !keep[u] {
			removed = append(removed, u)
		}
	}
	for _, u := range slices.Concat(removed, invalid) {
		if err := tx.DeleteNote(ctx, u); err != nil {
			return nil, err
		}
	}
	for _, r := range rows {
		if err := tx.UpsertNote(ctx, r); err != nil {
			return nil, err
		}
	}
	return removed, nil
}
