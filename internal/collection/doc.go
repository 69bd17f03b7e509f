// Package collection holds the collection handlers: what a verified record
// of each collection statusphere stores becomes in the database. A
// [Registry] maps collection NSIDs to [Handler]s; the live stream
// (internal/ingest) and the backfill (internal/backfill) ask it which
// collections matter and hand it every verified operation, so neither
// names a collection. [Status] is the handler of xyz.statusphere.status
// (lexicon validation, the generated type, the row); [Note] is the handler
// of its sidecar org.gostatusphere.note (the same, stored whether or not
// its status is, shown only beside it); [Default] registers both. [Fetcher]
// downloads and verifies whole repositories for snapshots, which
// [ApplySnapshot] hands to every handler.
//
// # Invariant
//
// Handlers run inside the caller's transaction (the one that moves the
// ingest cursor or marks a backfilled repository done): an error rolls all
// of it back. An invalid record is never stored: any row at its URI is
// removed (it must not show what the repository no longer holds), and it
// is reported for the caller to count.
package collection
