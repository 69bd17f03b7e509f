package web

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/store/storetest"
)

// benchUser is the benchmarks' logged-in user, and benchCookie its cookie.
const (
	benchUser   = syntax.DID("did:plc:bench0000000000000000000")
	benchCookie = "benchmark-session-cookie-value-0123456789"
)

// BenchmarkHomePage measures the home page handler, logged out and logged
// in, on a database of 10,000 statuses with known handles, then of
// 1,000,000 (1M/…). No outbound call is made: the profile is cached, as
// after the first view. "uncached" bypasses the cached logged-out page, so
// the page is assembled for every view, as a logged-in view is;
// "new-status" publishes a status before every view, so the timeline is
// rendered again each time too.
func BenchmarkHomePage(b *testing.B) {
	st := storetest.SQLite(b)
	seedStatuses(b, st, 10_000)
	benchHome(b, st)
	b.Run("1M", func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "statusphere.db")
		st, err := store.Open(b.Context(), "sqlite:"+path)
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		start := time.Now()
		if err := seedMillion(b.Context(), path); err != nil {
			b.Fatal(err)
		}
		b.Logf("seeded 1,000,000 statuses in %v", time.Since(start).Round(time.Millisecond))
		benchHome(b, st)
	})
}

// benchHome runs the home page benchmarks on st.
func benchHome(b *testing.B, st *store.Store) {
	ctx := context.Background()
	s := newTestServer(b, st)
	if _, err := s.profiles.put(s.views, benchUser, "Bench User", time.Now().Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	if err := st.CreateWebSession(ctx, store.WebSession{ID: sessionKey(benchCookie), DID: benchUser, OAuthSessionID: "x", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name   string
		cookie string
		before func(i int) // before every view
	}{
		{"logged-out", "", nil},
		{"logged-out-uncached", "", func(int) { s.public.p.Store(nil) }},
		{"logged-in", benchCookie, nil},
		{"logged-out-new-status", "", func(i int) { benchPublish(b, s, i) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if bc.before != nil {
					bc.before(i)
					i++
				}
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				if bc.cookie != "" {
					req.AddCookie(&http.Cookie{Name: cookieName, Value: bc.cookie})
				}
				w := httptest.NewRecorder()
				s.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("GET / = %d", w.Code)
				}
			}
		})
	}
}

// benchPublish publishes the i-th new status of a benchmark.
func benchPublish(b *testing.B, s *Server, i int) {
	did := syntax.DID(fmt.Sprintf("did:plc:new%021d", i%500))
	rkey := syntax.NewTIDFromInteger(uint64(1<<50+i) << 10).String()
	now := time.Now().UTC()
	err := s.Live.publish(store.TimelineEntry{Status: store.Status{
		URI: syntax.ATURI("at://" + did.String() + "/xyz.statusphere.status/" + rkey), AuthorDID: did,
		RKey: syntax.RecordKey(rkey), Status: "🚀", CID: "bafynew" + rkey, CreatedAt: now, IndexedAt: now,
	}, Handle: "new.test"})
	if err != nil {
		b.Fatal(err)
	}
}

// seedStatuses stores rows statuses by 500 authors with known handles, one
// a second up to now.
func seedStatuses(b *testing.B, st *store.Store, rows int) {
	ctx := context.Background()
	base := time.Now().UTC().Add(-time.Duration(rows) * time.Second)
	if err := st.InTx(ctx, func(tx *store.Tx) error {
		for i := range rows {
			did := syntax.DID(fmt.Sprintf("did:plc:bench%019d", i%500))
			rkey := syntax.NewTIDFromInteger(uint64(i) << 10).String()
			at := base.Add(time.Duration(i) * time.Second)
			if err := tx.UpsertStatus(ctx, store.Status{
				URI: syntax.ATURI("at://" + did.String() + "/xyz.statusphere.status/" + rkey), AuthorDID: did,
				RKey: syntax.RecordKey(rkey), Status: "🦋", CID: "bafy", Record: []byte(`{}`), CreatedAt: at, IndexedAt: at,
			}); err != nil {
				return err
			}
			if i < 500 {
				if err := tx.UpsertIdentity(ctx, store.Identity{DID: did, Handle: fmt.Sprintf("user%d.test", i), VerifiedAt: at}); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
}

// seedMillion fills the migrated SQLite file at path with 1,000,000
// statuses by 10,000 authors with known handles, one a millisecond up to
// now, in one transaction from a recursive CTE with the timeline indexes
// built after the rows (as the store's own benchmark does).
func seedMillion(ctx context.Context, path string) error {
	const rows, authors = 1_000_000, 10_000
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return err
	}
	defer db.Close()
	epoch := time.Now().UTC().Add(-rows * time.Millisecond).Unix()
	ts := fmt.Sprintf(`strftime('%%Y-%%m-%%dT%%H:%%M:%%S', %d + n / 1000, 'unixepoch') || printf('.%%06dZ', (n %% 1000) * 1000)`, epoch)
	stmts := []string{
		`PRAGMA busy_timeout = 10000`,
		`PRAGMA cache_size = -262144`,
		`BEGIN IMMEDIATE`,
		`DROP INDEX status_timeline`,
		`DROP INDEX status_author_created`,
		fmt.Sprintf(`
		INSERT INTO status (uri, author_did, rkey, status, cid, rev, record, created_at, indexed_at)
		WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < %d)
		SELECT 'at://did:plc:bench' || printf('%%05d', n %% %d) || '/xyz.statusphere.status/' || printf('%%013d', n),
			'did:plc:bench' || printf('%%05d', n %% %d), printf('%%013d', n), '🦋', 'bafybench' || n, '',
			CAST('{}' AS BLOB), %s, %s
		FROM seq`, rows-1, authors, authors, ts, ts),
		`CREATE INDEX status_timeline ON status (indexed_at DESC, uri)`,
		`CREATE INDEX status_author_created ON status (author_did, created_at DESC)`,
		fmt.Sprintf(`
		INSERT INTO identity (did, handle, verified_at)
		WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < %d)
		SELECT 'did:plc:bench' || printf('%%05d', n), 'user' || n || '.bench.test', '2025-01-01T00:00:00.000000Z'
		FROM seq`, authors-1),
		`COMMIT`,
		`ANALYZE`,
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, q := range stmts {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%.60s…: %w", q, err)
		}
	}
	return nil
}
