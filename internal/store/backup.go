package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// ErrBackupPostgres is returned by [Backup] for a PostgreSQL database,
// which is backed up with its own tools.
var ErrBackupPostgres = errors.New("backup copies SQLite databases; back up PostgreSQL with pg_dump (see docs/production.md)")

// Backup writes a consistent copy of the SQLite database named by url (as
// [Open] takes it) to the new file dest, while other processes keep
// reading and writing it: SQLite's VACUUM INTO copies one read
// transaction's snapshot, so the copy holds every transaction committed
// before it began and none that commits during it. Backup refuses an
// existing dest and a database file that does not exist, and runs no
// migrations. A restore is the copy put back in place while the app is
// stopped.
func Backup(ctx context.Context, url, dest string) error {
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return ErrBackupPostgres
	}
	t, err := parseSQLiteURL(url)
	if err != nil {
		return err
	}
	if t.memory {
		return errors.New("an in-memory database cannot be backed up")
	}
	if _, err := os.Stat(strings.TrimPrefix(t.name, "file:")); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("database %s: %w", t.name, fs.ErrNotExist)
	} else if err != nil {
		return fmt.Errorf("database: %w", err) // names the path
	}
	if _, err := os.Lstat(dest); err == nil {
		return fmt.Errorf("backup destination %s: %w", dest, fs.ErrExist)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup destination %s: %w", dest, err)
	}
	db, err := sql.Open("sqlite", t.dsn(false))
	if err != nil {
		return fmt.Errorf("open database %s: %w", t.name, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", dest); err != nil {
		os.Remove(dest) // a partial copy is no backup
		return fmt.Errorf("copy database %s to %s: %w", t.name, dest, err)
	}
	return nil
}
