// Package collection turns verified records of the collections statusphere
// stores into database rows: for xyz.statusphere.status, validation
// against the lexicon and the row ([Status]), for its sidecar
// org.gostatusphere.note the same ([Note]: stored whether or not its status
// is, shown only beside it), and the snapshot of a whole repository ([Fetcher], [ApplySnapshot]).
// The live stream (internal/ingest) and the backfill (internal/backfill)
// both use it, so neither spells a collection's rules itself.
//
// # Invariant
//
// An invalid record is never stored: it becomes a removal of any row at
// its URI (the row must not show what the repository no longer holds),
// and is counted by the caller.
package collection
