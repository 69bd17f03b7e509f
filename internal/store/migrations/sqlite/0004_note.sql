-- 0004_note: org.gostatusphere.note, the sidecar record of a status
-- (SQLite).
--
-- A note has the record key of the status it annotates, in the same
-- repository; the timeline joins the two on (author_did, rkey). A note
-- whose status is not stored (not yet, or not any more) stays here and
-- shows nowhere until its status arrives. record is the note exactly as
-- written, unknown fields included.
CREATE TABLE note (
    uri        TEXT NOT NULL PRIMARY KEY,
    author_did TEXT NOT NULL,
    rkey       TEXT NOT NULL,
    text       TEXT NOT NULL,
    cid        TEXT NOT NULL DEFAULT '',
    rev        TEXT NOT NULL DEFAULT '',
    record     BLOB NOT NULL,
    created_at TEXT NOT NULL,
    indexed_at TEXT NOT NULL
) STRICT;
-- The join from a status to its note, and an author's notes.
CREATE UNIQUE INDEX note_author_rkey ON note (author_did, rkey);
