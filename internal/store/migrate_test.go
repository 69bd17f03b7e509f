package store

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/statusphere/statusphere/internal/pgtest"
)

func TestMigrationsEmbedded(t *testing.T) {
	for _, d := range []dialect{dialectSQLite, dialectPostgres} {
		ms, err := d.migrations()
		if err != nil {
			t.Fatalf("%v: %v", d, err)
		}
		if len(ms) == 0 || ms[0].version != 1 {
			t.Fatalf("%v: migrations %v, want 0001 first", d, ms)
		}
		for i, m := range ms {
			if m.version != i+1 {
				t.Errorf("%v: migration %s has version %d, want %d (no gaps)", d, m.name, m.version, i+1)
			}
		}
	}
	s, p := must(dialectSQLite.migrations()), must(dialectPostgres.migrations())
	if len(s) != len(p) {
		t.Errorf("sqlite has %d migrations, postgres %d: each change needs both", len(s), len(p))
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// openEnv names the database TestOpenHelperProcess opens.
const openEnv = "STORE_TEST_OPEN_URL"

// TestOpenHelperProcess is not a test: TestOpenRace runs the test binary
// with only this test selected and openEnv set, to open a store from
// another process.
func TestOpenHelperProcess(t *testing.T) {
	url := os.Getenv(openEnv)
	if url == "" {
		return
	}
	s, err := Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestOpenRace opens one fresh database from several goroutines and two
// other processes at once: every Open succeeds and each migration is
// applied once.
func TestOpenRace(t *testing.T) {
	for _, tc := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "race.db") }},
		{"postgres", func(t *testing.T) string { return pgtest.Start(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := tc.url(t)
			var wg sync.WaitGroup
			errs := make(chan error, 6)
			for range 2 {
				wg.Go(func() {
					cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestOpenHelperProcess$", "-test.count=1")
					cmd.Env = append(os.Environ(), openEnv+"="+url)
					if out, err := cmd.CombinedOutput(); err != nil {
						errs <- fmt.Errorf("open in another process: %v\n%s", err, out)
					}
				})
			}
			for range 4 {
				wg.Go(func() {
					s, err := Open(t.Context(), url)
					if err != nil {
						errs <- err
						return
					}
					if err := s.Close(); err != nil {
						errs <- err
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}

			s, err := Open(t.Context(), url)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ms := must(s.d.migrations())
			var rows, distinct int
			err = s.read.QueryRowContext(t.Context(), `SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&rows, &distinct)
			if err != nil {
				t.Fatal(err)
			}
			if rows != len(ms) || distinct != len(ms) {
				t.Errorf("schema_migrations has %d rows (%d versions), want %d", rows, distinct, len(ms))
			}
		})
	}
}

func TestReopenKeepsDataAndVersion(t *testing.T) {
	url := "sqlite:" + filepath.Join(t.TempDir(), "app.db")
	s, err := Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetCursor(t.Context(), "relay:test", 9); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if c, err := s.Cursor(t.Context(), "relay:test"); err != nil || c != 9 {
		t.Errorf("Cursor after reopen = %d, %v; want 9", c, err)
	}
	var n int
	if err := s.read.QueryRowContext(t.Context(), `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(must(s.d.migrations())) {
		t.Errorf("schema_migrations rows = %d, %v", n, err)
	}
	var mode string
	if err := s.read.QueryRowContext(t.Context(), `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

func TestOpenMemory(t *testing.T) {
	a, err := Open(t.Context(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(t.Context(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := a.SetCursor(t.Context(), "relay:test", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Cursor(t.Context(), "relay:test"); err == nil {
		t.Errorf("two :memory: stores share data")
	}
	if c, err := a.Cursor(t.Context(), "relay:test"); err != nil || c != 1 {
		t.Errorf("Cursor = %d, %v", c, err)
	}
	if a.Dialect() != "sqlite" || a.Stats().MaxOpenConnections != 1 {
		t.Errorf("Dialect %q, max conns %d; want sqlite on one connection", a.Dialect(), a.Stats().MaxOpenConnections)
	}
}

func TestOpenBadURL(t *testing.T) {
	if s, err := Open(t.Context(), "mysql://localhost/db"); err == nil {
		s.Close()
		t.Errorf("Open(mysql://…): no error")
	}
}

// TestSQLiteTimelinePlan checks that SQLite answers the timeline from the
// status_timeline index, without sorting.
func TestSQLiteTimelinePlan(t *testing.T) {
	s, err := Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, q := range []string{
		timelineSelect + timelineOrder,
		timelineSelect + ` AND s.indexed_at < $2` + timelineOrder,
		timelineSelect + ` AND s.indexed_at <= $2 AND (s.indexed_at < $2 OR s.uri > $3)` + timelineOrder,
	} {
		rows, err := s.read.QueryContext(t.Context(), `EXPLAIN QUERY PLAN `+s.d.rebind(q), 50, "x", "y")
		if err != nil {
			t.Fatal(err)
		}
		var plan string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan += detail + "\n"
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if !strings.Contains(plan, "status_timeline") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("timeline plan does not walk status_timeline in order:\n%s", plan)
		}
	}
}
