-- 0002_backfill: per-repository revisions and backfill progress (SQLite).

-- One row per repository whose statuses we track. rev is the newest
-- revision whose changes the status rows of the repository reflect: a
-- firehose commit is applied only if its rev is newer, and a whole-repository
-- snapshot (backfill, resync after #sync) only if its rev is at least this
-- one; both set it in the transaction that writes the rows. backfill is the
-- repository's state in the backfill run: '' (not part of it), pending, done,
-- skipped (nothing to fetch) or failed (gave up after attempts).
CREATE TABLE repo_state (
    did         TEXT NOT NULL PRIMARY KEY,
    rev         TEXT NOT NULL DEFAULT '',
    backfill    TEXT NOT NULL DEFAULT '',
    attempts    INTEGER NOT NULL DEFAULT 0,
    retry_after TEXT NOT NULL DEFAULT '0001-01-01T00:00:00.000000Z',
    error       TEXT NOT NULL DEFAULT '',
    updated_at  TEXT NOT NULL
) STRICT;
-- The repositories a backfill still has to do, in DID order.
CREATE INDEX repo_state_backfill ON repo_state (backfill, did);

-- The backfill run: where discovery stopped (the listRepos… cursor of host)
-- and whether the run is over, so an interrupted run resumes.
CREATE TABLE backfill_run (
    name        TEXT NOT NULL PRIMARY KEY,
    host        TEXT NOT NULL,
    method      TEXT NOT NULL DEFAULT '',
    cursor      TEXT NOT NULL DEFAULT '',
    discovered  INTEGER NOT NULL CHECK (discovered IN (0, 1)),
    finished    INTEGER NOT NULL CHECK (finished IN (0, 1)),
    started_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
