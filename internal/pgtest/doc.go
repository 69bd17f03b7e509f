// Package pgtest gives tests a throw-away PostgreSQL database.
//
// [Start] returns the URL of a fresh, empty database. The server behind it
// is the Debian PostgreSQL that `make test` installs (the newest
// /usr/lib/postgresql/*/bin, or initdb and postgres on PATH), initialized
// into a new temporary directory and listening only on a Unix socket there
// (listen_addresses is empty), with durability off (fsync, synchronous_commit,
// full_page_writes) because nothing in it outlives the test. Run as root,
// initdb and the server run as the system user postgres.
//
// Sharing: one server serves every test that is running at the same time;
// each Start gets its own database (CREATE DATABASE, dropped at cleanup).
// The server stops when the last test using it has finished, so to start it
// once for many subtests, call Start in the parent test too.
//
// The server is a child of the test binary, in its own process group, with
// a parent-death signal: if the test binary is killed, the kernel kills the
// server, and the next Start removes directories left behind by dead test
// binaries.
//
// Missing binaries fail the test with one line naming `make test`; pgtest
// never skips, except under -short (go test -short is the quick loop that
// leaves the Postgres tests out).
package pgtest
