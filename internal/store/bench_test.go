package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/pgtest"
)

// Shape of the benchmark database: benchRows statuses by benchAuthors
// authors (round robin), one indexed every millisecond from benchEpoch.
// Nine authors in ten have a cached handle; the first benchHidden authors'
// accounts are hidden.
const (
	benchRows    = 1_000_000
	benchAuthors = 10_000
	benchHidden  = 100
	benchEpoch   = 1_735_689_600 // 2025-01-01T00:00:00Z
	benchPage    = 50
)

// BenchmarkTimelineQuery times the home page's query on 1,000,000 stored
// statuses: the first page, and a page from the middle of the timeline by
// time (Timeline's before) and by position (TimelineAfter).
func BenchmarkTimelineQuery(b *testing.B) {
	for _, d := range []struct {
		name string
		open func(b *testing.B) string
		load func(ctx context.Context, s *Store) error
	}{
		{"sqlite", func(b *testing.B) string { return "sqlite:" + filepath.Join(b.TempDir(), "bench.db") }, loadSQLite},
		{"postgres", func(b *testing.B) string { return pgtest.Start(b) }, loadPostgres},
	} {
		b.Run(d.name, func(b *testing.B) {
			ctx := b.Context()
			s, err := Open(ctx, d.open(b))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			start := time.Now()
			if err := d.load(ctx, s); err != nil {
				b.Fatal(err)
			}
			if n, err := s.CountStatuses(ctx); err != nil || n != benchRows {
				b.Fatalf("loaded %d rows (%v), want %d", n, err, benchRows)
			}
			b.Logf("%s: loaded %d statuses in %v", d.name, benchRows, time.Since(start).Round(time.Millisecond))

			// Row benchRows/2 is in the middle of the timeline.
			mid := time.Unix(benchEpoch, 0).UTC().Add(benchRows / 2 * time.Millisecond)
			benchTimeline(b, "first_page", func() ([]TimelineEntry, error) {
				return s.Timeline(ctx, benchPage, time.Time{})
			})
			benchTimeline(b, "page_before", func() ([]TimelineEntry, error) {
				return s.Timeline(ctx, benchPage, mid)
			})
			key := TimelineKey{IndexedAt: mid, URI: syntax.ATURI(benchURI(benchRows / 2))}
			benchTimeline(b, "page_after_key", func() ([]TimelineEntry, error) {
				return s.TimelineAfter(ctx, benchPage, key)
			})
		})
	}
}

func benchTimeline(b *testing.B, name string, page func() ([]TimelineEntry, error)) {
	b.Run(name, func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			entries, err := page()
			if err != nil {
				b.Fatal(err)
			}
			// Hidden authors are 1% of the rows: a page is still full.
			if len(entries) != benchPage {
				b.Fatalf("got %d entries, want %d", len(entries), benchPage)
			}
		}
	})
}

func benchURI(n int) string {
	return fmt.Sprintf("at://did:plc:bench%05d/xyz.statusphere.status/%013d", n%benchAuthors, n)
}

// benchRecord is the record JSON, with '…' standing for the createdAt.
const benchRecord = `{"$type":"xyz.statusphere.status","status":"👍","createdAt":"…"}`

// loadSQLite fills an SQLite store in one transaction from a recursive CTE,
// with the timeline indexes built after the rows.
func loadSQLite(ctx context.Context, s *Store) error {
	recPrefix, recSuffix, _ := strings.Cut(benchRecord, "…")
	// created_at is one second before indexed_at.
	const ts = `strftime('%Y-%m-%dT%H:%M:%S', EPOCH + n / 1000, 'unixepoch') || printf('.%06dZ', (n % 1000) * 1000)`
	indexed := strings.Replace(ts, "EPOCH", fmt.Sprint(benchEpoch), 1)
	created := strings.Replace(ts, "EPOCH", fmt.Sprint(benchEpoch-1), 1)
	stmts := []string{
		`PRAGMA cache_size = -262144`,
		`DROP INDEX status_timeline`,
		`DROP INDEX status_author_created`,
		fmt.Sprintf(`
		INSERT INTO status (uri, author_did, rkey, status, cid, rev, record, created_at, indexed_at)
		WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < %d)
		SELECT 'at://did:plc:bench' || printf('%%05d', n %% %d) || '/xyz.statusphere.status/' || printf('%%013d', n),
			'did:plc:bench' || printf('%%05d', n %% %d),
			printf('%%013d', n),
			'👍',
			'bafyreibench' || n,
			'',
			CAST('%s' || %s || '%s' AS BLOB),
			%s,
			%s
		FROM seq`, benchRows-1, benchAuthors, benchAuthors, recPrefix, created, recSuffix, created, indexed),
		`CREATE INDEX status_timeline ON status (indexed_at DESC, uri)`,
		`CREATE INDEX status_author_created ON status (author_did, created_at DESC)`,
		fmt.Sprintf(`
		INSERT INTO identity (did, handle, verified_at)
		WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < %d)
		SELECT 'did:plc:bench' || printf('%%05d', n), 'user' || n || '.bench.test', '2025-01-01T00:00:00.000000Z'
		FROM seq WHERE n %% 10 <> 0`, benchAuthors-1),
		fmt.Sprintf(`
		INSERT INTO account (did, active, status, updated_at)
		WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < %d)
		SELECT 'did:plc:bench' || printf('%%05d', n), 0, 'takendown', '2025-01-01T00:00:00.000000Z'
		FROM seq`, benchHidden-1),
	}
	err := s.InTx(ctx, func(tx *Tx) error {
		for _, q := range stmts {
			if _, err := tx.w.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("%.60s…: %w", strings.TrimSpace(q), err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = s.write.ExecContext(ctx, `ANALYZE`)
	return err
}

// loadPostgres fills a PostgreSQL store in one transaction from
// generate_series, with the timeline indexes built after the rows.
func loadPostgres(ctx context.Context, s *Store) error {
	recPrefix, recSuffix, _ := strings.Cut(benchRecord, "…")
	const epoch = `to_timestamp(%d) + n * interval '1 millisecond'`
	indexed := fmt.Sprintf(epoch, benchEpoch)
	created := fmt.Sprintf(epoch, benchEpoch-1)
	stmts := []string{
		`DROP INDEX status_timeline`,
		`DROP INDEX status_author_created`,
		fmt.Sprintf(`
		INSERT INTO status (uri, author_did, rkey, status, cid, rev, record, created_at, indexed_at)
		SELECT 'at://did:plc:bench' || lpad((n %% %d)::text, 5, '0') || '/xyz.statusphere.status/' || lpad(n::text, 13, '0'),
			'did:plc:bench' || lpad((n %% %d)::text, 5, '0'),
			lpad(n::text, 13, '0'),
			'👍',
			'bafyreibench' || n,
			'',
			convert_to('%s' || to_char((%s) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '%s', 'UTF8'),
			%s,
			%s
		FROM generate_series(0, %d) AS n`, benchAuthors, benchAuthors, recPrefix, created, recSuffix, created, indexed, benchRows-1),
		`SET LOCAL maintenance_work_mem = '256MB'`,
		`CREATE INDEX status_timeline ON status (indexed_at DESC, uri)`,
		`CREATE INDEX status_author_created ON status (author_did, created_at DESC)`,
		fmt.Sprintf(`
		INSERT INTO identity (did, handle, verified_at)
		SELECT 'did:plc:bench' || lpad(n::text, 5, '0'), 'user' || n || '.bench.test', to_timestamp(%d)
		FROM generate_series(0, %d) AS n WHERE n %% 10 <> 0`, benchEpoch, benchAuthors-1),
		fmt.Sprintf(`
		INSERT INTO account (did, active, status, updated_at)
		SELECT 'did:plc:bench' || lpad(n::text, 5, '0'), false, 'takendown', to_timestamp(%d)
		FROM generate_series(0, %d) AS n`, benchEpoch, benchHidden-1),
	}
	err := s.InTx(ctx, func(tx *Tx) error {
		for _, q := range stmts {
			if _, err := tx.w.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("%.60s…: %w", strings.TrimSpace(q), err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = s.write.ExecContext(ctx, `VACUUM ANALYZE`)
	return err
}
