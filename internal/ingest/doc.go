// Package ingest keeps statusphere's database in step with the network: it
// consumes com.atproto.sync.subscribeRepos from a relay (or a PDS), or a
// Jetstream instance, and applies every xyz.statusphere.status create,
// update and delete to the store, upserting by AT-URI so that the firehose
// and the app's optimistic writes converge on the same row.
//
// [New] builds an [Ingester] from a [Config] and its [Deps]; [Ingester.Run]
// dials, reads, reconnects with exponential backoff and jitter, and returns
// when its context is cancelled, after flushing the cursor.
//
// # Invariant
//
// The cursor never passes an unstored event. The cursor is written in the
// same database transaction as the rows of the event it covers, so a crash
// leaves both or neither; an event that touches nothing of ours moves the
// cursor only after it has been fully handled (cursor-only writes are
// batched, at most one per [Config.CursorFlushInterval]). An event whose
// store write fails is retried, never skipped. What is dropped on purpose is
// counted and logged: frames that cannot be decoded, commits that fail
// verification, and records that fail lexicon validation.
//
// # Trust
//
// From a relay nothing is taken on faith: before a commit's ops are applied,
// the commit's signature is checked against the account's current signing
// key (from its DID document, cached; see internal/verify), the
// ops are checked against the commit's blocks and the MST
// (repo.VerifyCommitMessage), a delete must be proven absent from the new
// tree, and every record is validated against the app's lexicon. To stay
// cheap on the full network, a commit is decoded and filtered first and only
// commits with ops on xyz.statusphere.status are verified. Jetstream offers
// no proofs at all; see docs/ingest.md for that trade-off.
//
// A #sync event (a repository reset) never makes the stream wait on a
// repository fetch: it marks the repository pending in the cursor
// transaction, for the backfill's workers (Deps.OnResync wakes them).
//
// Each repository's revision is stored too (store.AdvanceRepoRev): a
// commit's rows are written only if its rev is newer than the stored one,
// which moves to it in the same transaction, so a replayed or superseded
// commit never undoes a newer state.
//
// # Not done here
//
// Verification is internal/verify's (signing keys from DID documents only:
// no handle is resolved on the stream's path), what a record becomes in
// the database is internal/collection's, and fetching the repositories
// that existed before the first start is internal/backfill's. The package
// resolves no handles itself: #identity events are handed to an
// [IdentityRefresher].
package ingest
