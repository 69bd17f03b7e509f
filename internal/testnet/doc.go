// Package testnet starts a real AT Protocol network on loopback for tests:
// the official Bluesky PDS and PLC directory (npm @atproto/dev-env, pinned in
// testdata/atnet), plus what the app needs to reach them the way it reaches
// the real network:
//
//   - an [*http.Client] whose transport sends https://pds.test/… and
//     https://<handle>.test/… to the PDS on loopback, Host header kept;
//   - an identity directory on the local PLC that resolves .test handles over
//     HTTPS (through that client), with no DNS;
//   - a TLS-terminating reverse proxy with a throw-away certificate, so a
//     browser reaches the PDS's OAuth pages at https://pds.test;
//   - accounts with passwords, and helpers that write records straight to an
//     account's repo through com.atproto.repo.*, as another app would.
//
// The servers are installed by `make test` (scripts/install-atnet.sh) into
// .cache/atnet at the repository root; [Start] finds them there by itself.
// Everything started is stopped when the test ends, and the node process is
// killed with its process group even when the test binary dies. The package
// does not fake any part of the protocol: it only starts and wires real peers.
package testnet
