package store

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// BenchmarkResolverPass times one pass of the identity resolver's query on
// the 1,000,000-status SQLite table of [BenchmarkTimelineQuery]: with no
// author pending (an idle server) and with 100 new authors pending.
func BenchmarkResolverPass(b *testing.B) {
	ctx := b.Context()
	s, err := Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	if err := loadSQLite(ctx, s); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d statuses in %v", benchRows, time.Since(start).Round(time.Millisecond))
	// Every loaded author gets an identity: nothing is pending.
	_, err = s.exec(ctx, `INSERT INTO identity (did, handle, verified_at)
		SELECT did, '', '2025-01-01T00:00:00.000000Z' FROM identity_pending`)
	if err != nil {
		b.Fatal(err)
	}

	benchPass(b, s, "new_0", 0)
	now := time.Now().UTC()
	for i := range 100 {
		did := syntax.DID(fmt.Sprintf("did:plc:new%05d", i))
		st := Status{
			URI: syntax.ATURI(fmt.Sprintf("at://%s/xyz.statusphere.status/3new", did)), AuthorDID: did,
			RKey: "3new", Status: "👍", Record: []byte(`{}`), CreatedAt: now, IndexedAt: now,
		}
		if err := s.UpsertStatus(ctx, st); err != nil {
			b.Fatal(err)
		}
	}
	benchPass(b, s, "new_100", 100)
}

func benchPass(b *testing.B, s *Store, name string, want int) {
	b.Run(name, func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			dids, err := s.PendingIdentities(b.Context(), time.Now(), 256)
			if err != nil {
				b.Fatal(err)
			}
			if len(dids) != want {
				b.Fatalf("got %d pending, want %d", len(dids), want)
			}
		}
	})
}
