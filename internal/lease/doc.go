// Package lease holds the two loops the ingester and the backfill share:
// holding a database lease ([Lease]: wait for it, renew it every third of
// its TTL, stop the work at once when it is lost, give it up under a fresh
// timeout) and retrying with backoff ([Backoff], [Sleep]).
//
// # Invariant
//
// Work run under [Lease.Hold] stops before the lease can expire under it:
// when a renewal fails and less than a third of the TTL is left, or
// another holder has it, the work's context is cancelled with [ErrLost].
//
// The lease itself is a row in the database (store.AcquireLease); this
// package only decides when to ask for it.
package lease
