-- 0001_init: the initial schema (PostgreSQL).
--
-- Times are timestamptz (microsecond precision, UTC on the way out).
-- Identifiers use COLLATE "C": byte order, the same as SQLite's, and the
-- order in which TIDs (rev) compare as times. schema_migrations is created by
-- the migrator itself (migrate.go).

-- One row per status record, keyed by its AT-URI: the optimistic write and
-- the firehose event for the same record upsert the same row.
CREATE TABLE status (
    uri        text COLLATE "C" NOT NULL PRIMARY KEY,
    author_did text COLLATE "C" NOT NULL,
    rkey       text COLLATE "C" NOT NULL,
    status     text NOT NULL,
    cid        text COLLATE "C" NOT NULL DEFAULT '',
    rev        text COLLATE "C" NOT NULL DEFAULT '',
    record     bytea NOT NULL,
    created_at timestamptz NOT NULL,
    indexed_at timestamptz NOT NULL
);
-- The timeline: newest first, ties broken by uri.
CREATE INDEX status_timeline ON status (indexed_at DESC, uri);
-- A user's latest status.
CREATE INDEX status_author_created ON status (author_did, created_at DESC);

-- DID → handle cache, verified both ways before it is written.
CREATE TABLE identity (
    did         text COLLATE "C" NOT NULL PRIMARY KEY,
    handle      text NOT NULL,
    verified_at timestamptz NOT NULL
);

-- Account state from #account events; an inactive account's statuses are
-- hidden from the timeline, not deleted.
CREATE TABLE account (
    did        text COLLATE "C" NOT NULL PRIMARY KEY,
    active     boolean NOT NULL,
    status     text NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL
);

-- OAuth sessions and pending authorization requests: opaque JSON owned by
-- the oauth package.
CREATE TABLE oauth_session (
    did        text COLLATE "C" NOT NULL,
    session_id text COLLATE "C" NOT NULL,
    data       bytea NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (did, session_id)
);

CREATE TABLE oauth_auth_request (
    state      text COLLATE "C" NOT NULL PRIMARY KEY,
    data       bytea NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX oauth_auth_request_created ON oauth_auth_request (created_at);

-- Server-side web sessions; id is a hash of the cookie value.
CREATE TABLE web_session (
    id               text COLLATE "C" NOT NULL PRIMARY KEY,
    did              text COLLATE "C" NOT NULL,
    oauth_session_id text COLLATE "C" NOT NULL,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL
);
CREATE INDEX web_session_expires ON web_session (expires_at);

-- The last event each ingest source has stored.
CREATE TABLE ingest_cursor (
    source     text COLLATE "C" NOT NULL PRIMARY KEY,
    cursor     bigint NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Named leases (one ingester at a time).
CREATE TABLE lease (
    name       text COLLATE "C" NOT NULL PRIMARY KEY,
    holder     text COLLATE "C" NOT NULL,
    expires_at timestamptz NOT NULL
);
