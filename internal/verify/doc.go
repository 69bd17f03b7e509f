// Package verify turns untrusted repository bytes into verified facts: the
// commits of a firehose, the head commit of a #sync event, and whole
// repositories fetched with com.atproto.sync.getRepo.
//
// A [Verifier] holds the signing-key cache. [Verifier.Commit] checks a
// #commit (its ops against its blocks and the MST with
// repo.VerifyCommitMessage, its CID against the CAR root, its DID, its
// signature, a delete proven by the new tree, each create's and update's
// CID against the tree) and returns the records its ops write.
// [Verifier.Sync] checks a #sync event's commit. [Verifier.Snapshot] loads a
// repository CAR, checks its DID, signature and rev, and walks its MST,
// yielding each record of the collections asked for.
//
// # Invariant
//
// Nothing reaches the store unverified: ingest and backfill store only
// what this package returned, and this package returns only what is signed
// by the account's current key (from its DID document) and proven by the
// signed tree.
//
// # Not done here
//
// Signing keys come from DID documents only: no handle is resolved on this
// path, so a slow DNS never delays verification. The package fetches no
// repository itself (internal/pds does) and stores nothing; errors are
// either final ([ErrFailed]) or worth retrying ([ErrUnavailable]).
package verify
