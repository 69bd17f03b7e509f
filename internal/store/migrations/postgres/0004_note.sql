-- 0004_note: org.gostatusphere.note, the sidecar record of a status
-- (PostgreSQL).
--
-- A note has the record key of the status it annotates, in the same
-- repository; the timeline joins the two on (author_did, rkey). A note
-- whose status is not stored (not yet, or not any more) stays here and
-- shows nowhere until its status arrives. record is the note exactly as
-- written, unknown fields included.
CREATE TABLE note (
    uri        text COLLATE "C" NOT NULL PRIMARY KEY,
    author_did text COLLATE "C" NOT NULL,
    rkey       text COLLATE "C" NOT NULL,
    text       text NOT NULL,
    cid        text COLLATE "C" NOT NULL DEFAULT '',
    rev        text COLLATE "C" NOT NULL DEFAULT '',
    record     bytea NOT NULL,
    created_at timestamptz NOT NULL,
    indexed_at timestamptz NOT NULL
);
-- The join from a status to its note, and an author's notes.
CREATE UNIQUE INDEX note_author_rkey ON note (author_did, rkey);
