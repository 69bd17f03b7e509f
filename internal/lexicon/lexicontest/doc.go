// Package lexicontest has test doubles for lexicon resolution and
// publishing: a fake PDS with one account and an in-memory repo, and a DNS
// TXT lookup over a fixed table. Tests against the real PDS use
// internal/testnet instead.
package lexicontest
