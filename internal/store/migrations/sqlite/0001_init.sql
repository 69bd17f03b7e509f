-- 0001_init: the initial schema (SQLite).
--
-- Times are TEXT holding UTC RFC 3339 with exactly six fractional digits
-- (2006-01-02T15:04:05.000000Z), so text order is time order. Tables are
-- STRICT so a value of the wrong type is an error, not a silent conversion.
-- schema_migrations is created by the migrator itself (migrate.go).

-- One row per status record, keyed by its AT-URI: the optimistic write and
-- the firehose event for the same record upsert the same row.
CREATE TABLE status (
    uri        TEXT NOT NULL PRIMARY KEY,
    author_did TEXT NOT NULL,
    rkey       TEXT NOT NULL,
    status     TEXT NOT NULL,
    cid        TEXT NOT NULL DEFAULT '',
    rev        TEXT NOT NULL DEFAULT '',
    record     BLOB NOT NULL,
    created_at TEXT NOT NULL,
    indexed_at TEXT NOT NULL
) STRICT;
-- The timeline: newest first, ties broken by uri.
CREATE INDEX status_timeline ON status (indexed_at DESC, uri);
-- A user's latest status.
CREATE INDEX status_author_created ON status (author_did, created_at DESC);

-- DID → handle cache, verified both ways before it is written.
CREATE TABLE identity (
    did         TEXT NOT NULL PRIMARY KEY,
    handle      TEXT NOT NULL,
    verified_at TEXT NOT NULL
) STRICT;

-- Account state from #account events; an inactive account's statuses are
-- hidden from the timeline, not deleted.
CREATE TABLE account (
    did        TEXT NOT NULL PRIMARY KEY,
    active     INTEGER NOT NULL CHECK (active IN (0, 1)),
    status     TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
) STRICT;

-- OAuth sessions and pending authorization requests: opaque JSON owned by
-- the oauth package.
CREATE TABLE oauth_session (
    did        TEXT NOT NULL,
    session_id TEXT NOT NULL,
    data       BLOB NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (did, session_id)
) STRICT;

CREATE TABLE oauth_auth_request (
    state      TEXT NOT NULL PRIMARY KEY,
    data       BLOB NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX oauth_auth_request_created ON oauth_auth_request (created_at);

-- Server-side web sessions; id is a hash of the cookie value.
CREATE TABLE web_session (
    id               TEXT NOT NULL PRIMARY KEY,
    did              TEXT NOT NULL,
    oauth_session_id TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    expires_at       TEXT NOT NULL
) STRICT;
CREATE INDEX web_session_expires ON web_session (expires_at);

-- The last event each ingest source has stored.
CREATE TABLE ingest_cursor (
    source     TEXT NOT NULL PRIMARY KEY,
    cursor     INTEGER NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

-- Named leases (one ingester at a time).
CREATE TABLE lease (
    name       TEXT NOT NULL PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;
