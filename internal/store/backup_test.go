package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store"
)

// TestBackupWhileServing backs up an SQLite database while statuses are
// written to it, then checks the copy: it passes PRAGMA integrity_check,
// holds every status committed before the backup began, and a store opened
// on it after a restore (the file copied into place) serves them.
func TestBackupWhileServing(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	url := "sqlite:" + filepath.Join(dir, "statusphere.db")
	live, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()

	var (
		mu        sync.Mutex
		committed []syntax.ATURI // in commit order
	)
	write := func(i int) error {
		st := backupStatus(i)
		if err := live.UpsertStatus(ctx, st); err != nil {
			return err
		}
		mu.Lock()
		committed = append(committed, st.URI)
		mu.Unlock()
		return nil
	}
	for i := range 3000 {
		if err := write(i); err != nil {
			t.Fatal(err)
		}
	}

	// A writer keeps committing statuses, as the ingester of a running
	// serve does, until the backup is done and it has written some more.
	stop := make(chan struct{})
	writerDone := make(chan error, 1)
	go func() {
		for i := 3000; ; i++ {
			select {
			case <-stop:
				writerDone <- nil
				return
			default:
			}
			if err := write(i); err != nil {
				writerDone <- err
				return
			}
		}
	}()

	mu.Lock()
	before := len(committed)
	mu.Unlock()
	dest := filepath.Join(dir, "backup.db")
	if err := store.Backup(ctx, url, dest); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	mu.Lock()
	after := len(committed)
	mu.Unlock()
	for deadline := time.Now().Add(time.Minute); ; {
		mu.Lock()
		n := len(committed)
		mu.Unlock()
		if n > after || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	if err := <-writerDone; err != nil {
		t.Fatalf("writing while the backup ran: %v", err)
	}
	t.Logf("%d statuses committed before the backup, %d while it ran", before, after-before)

	checkIntegrity(t, dest)

	// Restore: the copy put in place of a (stopped) database file.
	restored := filepath.Join(t.TempDir(), "statusphere.db")
	copyFile(t, dest, restored)
	rs, err := store.Open(ctx, "sqlite:"+restored)
	if err != nil {
		t.Fatalf("opening the restored copy: %v", err)
	}
	defer rs.Close()
	for _, uri := range committed[:before] {
		if _, err := rs.Status(ctx, uri); err != nil {
			t.Fatalf("restored copy lacks %s, committed before the backup: %v", uri, err)
		}
	}
	n, err := rs.CountStatuses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// One writer: at most one status committed before Backup returned is
	// not yet counted in after.
	if n < int64(before) || n > int64(after+1) {
		t.Errorf("restored copy holds %d statuses, want from %d to %d", n, before, after+1)
	}
	if tl, err := rs.Timeline(ctx, 10, time.Time{}); err != nil || len(tl) != 10 {
		t.Errorf("timeline of the restored copy: %d entries, %v", len(tl), err)
	}
}

func TestBackupRefuses(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	url := "sqlite:" + filepath.Join(dir, "statusphere.db")
	s, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	existing := filepath.Join(dir, "existing.db")
	if err := os.WriteFile(existing, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := store.Backup(ctx, url, existing); !errors.Is(err, fs.ErrExist) {
		t.Errorf("backup onto an existing file: %v, want fs.ErrExist", err)
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Errorf("the existing file was changed")
	}
	missing := filepath.Join(dir, "missing.db")
	if err := store.Backup(ctx, missing, filepath.Join(dir, "copy.db")); err == nil || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("backup of a missing database: %v, want fs.ErrNotExist", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("backup created the missing database")
	}
	if err := store.Backup(ctx, "postgres://db/x", filepath.Join(dir, "pg.db")); !errors.Is(err, store.ErrBackupPostgres) {
		t.Errorf("backup of PostgreSQL: %v, want ErrBackupPostgres", err)
	}
}

func backupStatus(i int) store.Status {
	did := syntax.DID(fmt.Sprintf("did:plc:backup%018d", i%50))
	rkey := syntax.RecordKey(fmt.Sprintf("3k%011d", i))
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
	return store.Status{
		URI:       syntax.ATURI("at://" + string(did) + "/xyz.statusphere.status/" + string(rkey)),
		AuthorDID: did, RKey: rkey, Status: "🦋",
		Record:    []byte(`{"$type":"xyz.statusphere.status","status":"🦋"}`),
		CreatedAt: now, IndexedAt: now,
	}
}

// checkIntegrity opens the SQLite file at p directly and runs PRAGMA
// integrity_check.
func checkIntegrity(t *testing.T, p string) {
	t.Helper()
	db, err := sql.Open("sqlite", p)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		t.Fatalf("integrity_check on the backup: %v", err)
	}
	if res != "ok" {
		t.Fatalf("integrity_check on the backup: %s", res)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
