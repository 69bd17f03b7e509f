// Package storetest opens a [store.Store] for tests, on either dialect:
// SQLite in the test's temporary directory, or PostgreSQL on a throw-away
// server from [pgtest]. The store is closed when the test ends.
package storetest

import (
	"path/filepath"
	"testing"

	"github.com/statusphere/statusphere/internal/pgtest"
	"github.com/statusphere/statusphere/internal/store"
)

// Dialects lists the dialects [Open] accepts, for tests that run on each.
func Dialects() []string { return []string{"sqlite", "postgres"} }

// Open opens a new, migrated, empty store of the given dialect ("sqlite" or
// "postgres").
func Open(t testing.TB, dialect string) *store.Store {
	t.Helper()
	switch dialect {
	case "sqlite":
		return SQLite(t)
	case "postgres":
		return Postgres(t)
	}
	t.Fatalf("storetest: unknown dialect %q", dialect)
	return nil
}

// SQLite opens a store on a new SQLite file in t's temporary directory.
func SQLite(t testing.TB) *store.Store {
	t.Helper()
	return open(t, "sqlite:"+filepath.Join(t.TempDir(), "statusphere.db"))
}

// Postgres opens a store on a new database from [pgtest.Start] (which fails
// the test when PostgreSQL is not installed).
func Postgres(t testing.TB) *store.Store {
	t.Helper()
	return open(t, pgtest.Start(t))
}

func open(t testing.TB, url string) *store.Store {
	t.Helper()
	s, err := store.Open(t.Context(), url)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("storetest: %v", err)
		}
	})
	return s
}
