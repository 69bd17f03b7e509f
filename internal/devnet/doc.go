// Package devnet starts a real AT Protocol network on loopback: the
// official Bluesky PDS and PLC directory (npm @atproto/dev-env, pinned in
// atnet/), plus what the app needs to reach them the way it reaches the
// real network:
//
//   - an [*http.Client] whose transport sends https://pds.test/… and
//     https://<handle>.test/… to the PDS on loopback, Host header kept;
//   - an identity directory on the local PLC that resolves .test handles over
//     HTTPS (through that client), with no DNS;
//   - a TLS-terminating reverse proxy with a throw-away certificate, so a
//     browser reaches the PDS's sign-in pages at https://pds.test;
//   - accounts with passwords, and helpers that write records straight to an
//     account's repo through com.atproto.repo.*, as another app would.
//
// `statusphere dev` runs the app on it; package testnet wraps it for tests.
// The servers are installed by `make deps` (scripts/install-atnet.sh) into
// .cache/atnet of the checkout; [Start] finds them there by itself, or in
// $STATUSPHERE_ATNET_DIR. With [Config.Dir] the network keeps its state
// between runs. [Network.Close] stops every process it started (the Node
// process and its process group), which is also killed when this process
// dies. The package does not fake any part of the protocol: it only starts
// and wires real peers.
package devnet
