// Package backfill fetches the statuses written before the ingester first
// listened, and converges with the live stream on the same database.
//
// [New] builds a [Backfiller] from a [Config] and its [Deps]. It discovers
// the repositories that hold statuses (com.atproto.sync.listReposByCollection
// on a relay, listRepos on a PDS), downloads each (getRepo through
// internal/pds), has it verified by internal/verify (signature against the
// account's key from its DID document, the tree against its hashes),
// validates every status (internal/collection), and replaces the
// repository's statuses in one transaction — only if the snapshot's rev is
// not older than the stored one, else it fetches again. [Backfiller.Progress]
// reports how far it got; its counters back the Prometheus metrics.
// [Backfiller.RetryFailed] keeps the workers going in a running app: it
// retries failed repositories with growing waits, and fetches those the
// ingester queued after a #sync ([Backfiller.Wake]).
//
// # Invariant
//
// A repository's rows change only to a verified snapshot at a rev at least
// the stored one, written in the transaction that marks it done: started
// after the ingester, the backfill misses, resurrects and duplicates
// nothing. Its progress (discovery cursor, each repository's state) is in
// the database, so an interrupted run resumes; one backfill runs at a time
// per database (the "backfill" lease). See docs/backfill.md.
//
// # Not done here
//
// The live stream is internal/ingest's; this package does not import it.
package backfill
