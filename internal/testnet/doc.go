// Package testnet is package devnet for tests: [Start] starts the real
// Bluesky PDS and PLC directory on loopback with accounts, stops them when
// the test ends, and skips under -short; [Network.Browser] starts headless
// Chromium that reaches the PDS's sign-in pages, and [Network.SignIn] walks
// them without a browser.
//
// The servers are installed by `make test` (scripts/install-atnet.sh) into
// .cache/atnet at the repository root; [Start] finds them there by itself.
// The package does not fake any part of the protocol: it only starts and
// wires real peers.
package testnet
