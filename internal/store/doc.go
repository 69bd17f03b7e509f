// Package store is statusphere's database: the schema, its migrations and
// every query the app runs, on SQLite (modernc.org/sqlite, the default) or
// PostgreSQL (github.com/jackc/pgx/v5 through database/sql).
//
// [Open] picks the dialect from the URL, applies pending migrations under a
// lock and returns a [*Store]. Each table has its own file and row type:
// [Status] and [TimelineEntry] (status.go), [Note] (note.go, the sidecar
// org.gostatusphere.note), [Identity] (identity.go),
// accounts, the ingest cursor, OAuth sessions and authorization requests,
// [WebSession] and leases. Lookups that find nothing return an error
// matching [ErrNotFound]; nothing returns a nil value with a nil error.
//
// Invariants:
//
//   - Status writes upsert by AT-URI: the app's optimistic write and the
//     firehose event for the same record converge on one row. A row keeps
//     the indexed_at of its first write (it does not jump up the timeline
//     when the firehose confirms it), and a write carrying a repo revision
//     older than the stored one is ignored.
//   - The ingester stores rows and the cursor that covers them in one
//     transaction ([Store.InTx]): after a crash the cursor never points past
//     an event whose rows are missing.
//   - Each repository's revision only moves forward ([Store.AdvanceRepoRev],
//     repo_state.go): it is the newest revision whose changes the
//     repository's rows reflect. Writers of a commit or of a whole
//     repository snapshot (backfill, resync) write through
//     [Tx.WriteAtRev] (repo_write.go), which advances it first, in the
//     transaction that writes the rows, and writes nothing when it
//     refuses; so a stale commit or snapshot never undoes a newer one. A
//     snapshot's statuses replace the author's with [Tx.ReplaceStatuses].
//   - A backfill run ([BackfillRun], backfill.go) keeps its discovery cursor
//     and each repository's state (pending, done, skipped, failed) in the
//     database, so an interrupted run resumes where it stopped.
//   - A hidden (inactive) account's statuses stay stored but are left out
//     of [Store.Timeline]; reactivating the account shows them again.
//   - A note is stored by its own AT-URI whether or not its status is;
//     the reads join it to the status with the same author and record key
//     ([TimelineEntry.Note]), so a note without its status (not yet, or
//     deleted) is kept and shown nowhere. Notes upsert like statuses.
//   - Record bytes are kept exactly as written, unknown fields included.
//   - Times are stored in UTC truncated to the microsecond (SQLite:
//     fixed-width RFC 3339 text, so text order is time order; Postgres:
//     timestamptz) and come back in UTC. Times passed to queries (before,
//     now, olderThan) are truncated the same way before comparing.
//
// On SQLite the Store keeps a pool of read-only connections and a single
// write connection whose transactions begin IMMEDIATE, so the app's own
// writers queue in Go instead of failing with SQLITE_BUSY. A consequence:
// inside the function given to [Store.InTx], use only the [*Tx]; calling a
// write method on the Store there waits for the connection the Tx holds.
//
// The package does not resolve identities, validate records or talk to the
// network; callers hand it parsed, validated values.
package store
