-- 0005_lexicon_index: the lexicon aggregator's index (SQLite): every
-- com.atproto.lexicon.schema record seen on the stream or in a backfill,
-- every version of it, the references between schemas and the verdict of
-- each NSID authority's _lexicon DNS TXT record. Every statement is
-- idempotent (IF NOT EXISTS), so that re-applying it is harmless.

-- One row per schema record (AT-URI): its current state. nsid is the
-- record key; authority the NSID's authority in DNS order
-- (xyz.statusphere.status → statusphere.xyz); invalid says why the current
-- version is not a usable schema ('' when it is); deleted is set when the
-- repository no longer holds the record (its versions are kept).
CREATE TABLE IF NOT EXISTS lexicon_record (
    uri        TEXT NOT NULL PRIMARY KEY,
    did        TEXT NOT NULL,
    nsid       TEXT NOT NULL,
    authority  TEXT NOT NULL,
    version_id INTEGER NOT NULL,
    cid        TEXT NOT NULL,
    rev        TEXT NOT NULL,
    invalid    TEXT NOT NULL,
    deleted    INTEGER NOT NULL CHECK (deleted IN (0, 1)),
    updated_at TEXT NOT NULL
) STRICT;
-- Resolution and the schema page: the copies of an NSID.
CREATE INDEX IF NOT EXISTS lexicon_record_nsid ON lexicon_record (nsid, did);
-- Browsing by authority, recently updated, a snapshot's records of a DID.
CREATE INDEX IF NOT EXISTS lexicon_record_authority ON lexicon_record (authority, nsid);
CREATE INDEX IF NOT EXISTS lexicon_record_updated ON lexicon_record (updated_at DESC, uri);
CREATE INDEX IF NOT EXISTS lexicon_record_did ON lexicon_record (did, uri);
-- The invalid documents, newest first: as few as there are.
CREATE INDEX IF NOT EXISTS lexicon_record_invalid ON lexicon_record (updated_at DESC, uri) WHERE invalid <> '';

-- Every version of every record, deletes included (cid '' and schema
-- empty): nothing is overwritten.
CREATE TABLE IF NOT EXISTS lexicon_version (
    id      INTEGER PRIMARY KEY,
    uri     TEXT NOT NULL,
    cid     TEXT NOT NULL,
    rev     TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    deleted INTEGER NOT NULL CHECK (deleted IN (0, 1)),
    invalid TEXT NOT NULL,
    schema  BLOB NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS lexicon_version_uri ON lexicon_version (uri, id);

-- The NSIDs the current version of each record refers to ("used by").
CREATE TABLE IF NOT EXISTS lexicon_ref (
    uri     TEXT NOT NULL,
    to_nsid TEXT NOT NULL,
    PRIMARY KEY (uri, to_nsid)
) STRICT;
CREATE INDEX IF NOT EXISTS lexicon_ref_to ON lexicon_ref (to_nsid, uri);

-- The verdict of each authority's _lexicon TXT record: state is pending
-- (not looked up yet), found (did names the publisher), none (no did=
-- record) or failed (the lookup failed: error says how; not a verdict).
CREATE TABLE IF NOT EXISTS lexicon_authority (
    authority  TEXT NOT NULL PRIMARY KEY,
    did        TEXT NOT NULL DEFAULT '',
    state      TEXT NOT NULL DEFAULT 'pending',
    error      TEXT NOT NULL DEFAULT '',
    checked_at TEXT NOT NULL DEFAULT '0001-01-01T00:00:00.000000Z'
) STRICT;
-- The authority checker's pass: the longest unchecked first.
CREATE INDEX IF NOT EXISTS lexicon_authority_due ON lexicon_authority (checked_at, authority);
