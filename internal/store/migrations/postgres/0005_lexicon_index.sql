-- 0005_lexicon_index: the lexicon aggregator's index (PostgreSQL): every
-- com.atproto.lexicon.schema record seen on the stream or in a backfill,
-- every version of it, the references between schemas and the verdict of
-- each NSID authority's _lexicon DNS TXT record. Every statement is
-- idempotent (IF NOT EXISTS), so that re-applying it is harmless. See the SQLite migration
-- for the meaning of each column.

CREATE TABLE IF NOT EXISTS lexicon_record (
    uri        text COLLATE "C" NOT NULL PRIMARY KEY,
    did        text COLLATE "C" NOT NULL,
    nsid       text COLLATE "C" NOT NULL,
    authority  text COLLATE "C" NOT NULL,
    version_id bigint NOT NULL,
    cid        text NOT NULL,
    rev        text COLLATE "C" NOT NULL,
    invalid    text NOT NULL,
    deleted    boolean NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS lexicon_record_nsid ON lexicon_record (nsid, did);
CREATE INDEX IF NOT EXISTS lexicon_record_authority ON lexicon_record (authority, nsid);
CREATE INDEX IF NOT EXISTS lexicon_record_updated ON lexicon_record (updated_at DESC, uri);
CREATE INDEX IF NOT EXISTS lexicon_record_did ON lexicon_record (did, uri);
-- The invalid documents, newest first: as few as there are.
CREATE INDEX IF NOT EXISTS lexicon_record_invalid ON lexicon_record (updated_at DESC, uri) WHERE invalid <> '';

CREATE TABLE IF NOT EXISTS lexicon_version (
    id      bigserial PRIMARY KEY,
    uri     text COLLATE "C" NOT NULL,
    cid     text NOT NULL,
    rev     text COLLATE "C" NOT NULL,
    seen_at timestamptz NOT NULL,
    deleted boolean NOT NULL,
    invalid text NOT NULL,
    schema  bytea NOT NULL
);
CREATE INDEX IF NOT EXISTS lexicon_version_uri ON lexicon_version (uri, id);

CREATE TABLE IF NOT EXISTS lexicon_ref (
    uri     text COLLATE "C" NOT NULL,
    to_nsid text COLLATE "C" NOT NULL,
    PRIMARY KEY (uri, to_nsid)
);
CREATE INDEX IF NOT EXISTS lexicon_ref_to ON lexicon_ref (to_nsid, uri);

CREATE TABLE IF NOT EXISTS lexicon_authority (
    authority  text COLLATE "C" NOT NULL PRIMARY KEY,
    did        text COLLATE "C" NOT NULL DEFAULT '',
    state      text NOT NULL DEFAULT 'pending',
    error      text NOT NULL DEFAULT '',
    checked_at timestamptz NOT NULL DEFAULT '0001-01-01 00:00:00+00'
);
CREATE INDEX IF NOT EXISTS lexicon_authority_due ON lexicon_authority (checked_at, authority);
