package store

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// TestMigrationQueuesExistingAuthors checks that migration 0003 queues the
// authors already stored without an identity: it rolls an SQLite database
// back to version 2, stores statuses there, and migrates again.
func TestMigrationQueuesExistingAuthors(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, q := range []string{
		`DROP TABLE note`, // 0004, rolled back too
		`DROP TRIGGER status_queue_identity`,
		`DROP TRIGGER identity_insert_dequeue`,
		`DROP TRIGGER identity_update_dequeue`,
		`DROP TABLE identity_pending`,
		`DELETE FROM schema_migrations WHERE version >= 3`,
	} {
		if _, err := s.write.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	now := time.Now().UTC()
	for i, did := range []syntax.DID{"did:plc:bbb", "did:plc:aaa", "did:plc:ccc", "did:plc:aaa"} {
		st := Status{URI: syntax.ATURI(fmt.Sprintf("at://%s/xyz.statusphere.status/%d", did, i)),
			AuthorDID: did, RKey: "x", Status: "👍", Record: []byte(`{}`), CreatedAt: now, IndexedAt: now}
		if err := s.UpsertStatus(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.UpsertIdentity(ctx, Identity{DID: "did:plc:ccc", Handle: "c.test", VerifiedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := s.migrate(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := s.PendingIdentities(ctx, now, 10)
	if want := []syntax.DID{"did:plc:aaa", "did:plc:bbb"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("PendingIdentities after migrating = %v, %v; want %v", got, err, want)
	}
}
