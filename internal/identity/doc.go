// Package identity turns DIDs into handles and back for statusphere.
//
// [NewDirectory] builds indigo's identity directory (DID documents from PLC
// or did:web, handles by DNS TXT or HTTPS well-known), cached in memory, with
// an injected *http.Client: production passes an SSRF-safe client, tests the
// local network's. Handles are verified both ways (the DID document must
// claim the handle and the handle must resolve to the DID); an unverified
// handle is never shown.
//
// [Resolver] keeps the database's identity table current so that pages read
// handles with no outbound call: it resolves authors the table lacks in the
// background and refreshes an identity when the firehose says it changed.
package identity
