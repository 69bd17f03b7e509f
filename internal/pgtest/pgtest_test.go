package pgtest

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStart(t *testing.T) {
	// The parent holds the server, so both subtests share it.
	Start(t)
	var dirs []string
	for _, name := range []string{"first", "second"} {
		t.Run(name, func(t *testing.T) {
			u := Start(t)
			if !strings.HasPrefix(u, "postgres://postgres@/test_") || !strings.Contains(u, "sslmode=disable") {
				t.Errorf("Start = %q, want postgres://postgres@/test_…?…sslmode=disable", u)
			}
			db, err := sql.Open("pgx", u)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var name string
			if err := db.QueryRowContext(t.Context(), `SELECT current_database()`).Scan(&name); err != nil {
				t.Fatalf("query: %v", err)
			}
			if !strings.HasPrefix(u, "postgres://postgres@/"+name+"?") {
				t.Errorf("connected to database %q through %q", name, u)
			}
			// Each Start gets an empty database of its own.
			if _, err := db.ExecContext(t.Context(), `CREATE TABLE mine (x int)`); err != nil {
				t.Errorf("create table: %v", err)
			}
			var addr sql.NullString
			if err := db.QueryRowContext(t.Context(), `SELECT inet_server_addr()::text`).Scan(&addr); err != nil {
				t.Fatal(err)
			}
			if addr.Valid {
				t.Errorf("connected over TCP (%s), want the Unix socket only", addr.String)
			}
			shared.mu.Lock()
			dirs = append(dirs, shared.srv.dir)
			shared.mu.Unlock()
		})
	}
	if len(dirs) == 2 && dirs[0] != dirs[1] {
		t.Errorf("subtests ran on two servers (%s, %s), want one", dirs[0], dirs[1])
	}
	t.Cleanup(func() {
		// Runs before Start's own cleanups: the server is still up.
		if _, err := os.Stat(filepath.Join(dirs[0], "data", "postmaster.pid")); err != nil {
			t.Errorf("server directory gone while the test still holds it: %v", err)
		}
	})
}

func TestServerStopsAndCleansUp(t *testing.T) {
	var dir string
	t.Run("use", func(t *testing.T) {
		Start(t)
		shared.mu.Lock()
		dir = shared.srv.dir
		shared.mu.Unlock()
	})
	shared.mu.Lock()
	srv := shared.srv
	shared.mu.Unlock()
	if srv != nil {
		t.Errorf("server still registered after its last user ended")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("server directory %s still there after stop (err %v)", dir, err)
	}
}

func TestSweepStale(t *testing.T) {
	base := t.TempDir()
	// pid 2^22+1 is above Linux's default pid_max, so no such process.
	dead := filepath.Join(base, dirPrefix+"4194305-123")
	live := filepath.Join(base, dirPrefix+"1-456") // pid 1 always exists
	for _, d := range []string{dead, live} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	sweepStale(base)
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("directory of a dead test binary kept: %v", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("directory of a live process removed: %v", err)
	}
}
