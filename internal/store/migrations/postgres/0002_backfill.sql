-- 0002_backfill: per-repository revisions and backfill progress (PostgreSQL).

-- One row per repository whose statuses we track. rev is the newest
-- revision whose changes the status rows of the repository reflect: a
-- firehose commit is applied only if its rev is newer, and a whole-repository
-- snapshot (backfill, resync after #sync) only if its rev is at least this
-- one; both set it in the transaction that writes the rows (the row lock
-- orders concurrent writers of one repository). backfill is the
-- repository's state in the backfill run: '' (not part of it), pending, done,
-- skipped (nothing to fetch) or failed (gave up after attempts).
CREATE TABLE repo_state (
    did         text COLLATE "C" NOT NULL PRIMARY KEY,
    rev         text COLLATE "C" NOT NULL DEFAULT '',
    backfill    text COLLATE "C" NOT NULL DEFAULT '',
    attempts    integer NOT NULL DEFAULT 0,
    retry_after timestamptz NOT NULL DEFAULT '0001-01-01 00:00:00+00',
    error       text NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL
);
-- The repositories a backfill still has to do, in DID order.
CREATE INDEX repo_state_backfill ON repo_state (backfill, did);

-- The backfill run: where discovery stopped (the listRepos… cursor of host)
-- and whether the run is over, so an interrupted run resumes.
CREATE TABLE backfill_run (
    name        text COLLATE "C" NOT NULL PRIMARY KEY,
    host        text NOT NULL,
    method      text NOT NULL DEFAULT '',
    cursor      text COLLATE "C" NOT NULL DEFAULT '',
    discovered  boolean NOT NULL,
    finished    boolean NOT NULL,
    started_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
