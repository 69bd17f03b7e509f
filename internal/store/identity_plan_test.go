package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/statusphere/statusphere/internal/pgtest"
)

// Shape of the plan test's table: planRows statuses by planAuthors authors,
// every other author with a cached identity, so half of them are pending.
const (
	planRows    = 20_000
	planAuthors = 5_000
)

// TestResolverPassIsIndexed checks how each database runs the identity
// resolver's pass on a seeded, analyzed table: a range seek on the
// identity_pending_due index over the due rows, touching neither the
// status table nor the rest of the queue.
//
// What it proves: the plan the database picks for these statistics reads
// the queue through its index and never names status, so a pass costs what
// was queued, not the table's size. PostgreSQL is not forced: with
// enable_seqscan on, its planner chooses the index on its own for a queue
// of planAuthors/2 rows and a LIMIT. (A queue of a few rows may be read by
// a sequential scan of its one page; that is still proportional to the
// queue, and the queue empties as authors are resolved.)
func TestResolverPassIsIndexed(t *testing.T) {
	for _, d := range []struct {
		name  string
		url   func(t *testing.T) string
		check func(t *testing.T, plan string)
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "plan.db") }, checkSQLitePlan},
		{"postgres", func(t *testing.T) string { return pgtest.Start(t) }, checkPostgresPlan},
	} {
		t.Run(d.name, func(t *testing.T) {
			ctx := t.Context()
			s, err := Open(ctx, d.url(t))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := seedPlanTable(ctx, s); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
			dids, err := s.PendingIdentities(ctx, now, 100)
			if err != nil || len(dids) != 100 {
				t.Fatalf("PendingIdentities = %d DIDs, %v; want 100", len(dids), err)
			}
			explain := "EXPLAIN QUERY PLAN "
			if s.d == dialectPostgres {
				explain = "EXPLAIN "
			}
			plan, err := s.explain(ctx, explain+pendingIdentitiesQuery, s.d.timeArg(now), 100)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("plan:\n%s", plan)
			if strings.Contains(plan, "status") {
				t.Errorf("the pass reads the status table")
			}
			d.check(t, plan)
		})
	}
}

func checkSQLitePlan(t *testing.T, plan string) {
	if !strings.Contains(plan, "SEARCH identity_pending USING COVERING INDEX identity_pending_due (retry_after<?)") {
		t.Errorf("the pass is not a range seek on identity_pending_due")
	}
	if strings.Contains(plan, "SCAN") {
		t.Errorf("the pass scans a table or an index")
	}
}

func checkPostgresPlan(t *testing.T, plan string) {
	if !strings.Contains(plan, "Index Only Scan using identity_pending_due on identity_pending") &&
		!strings.Contains(plan, "Index Scan using identity_pending_due on identity_pending") {
		t.Errorf("the pass does not read identity_pending_due")
	}
	if !strings.Contains(plan, "Index Cond: (retry_after <=") {
		t.Errorf("the index scan is not bounded by retry_after")
	}
	if strings.Contains(plan, "Seq Scan") {
		t.Errorf("the pass scans a table")
	}
}

// explain returns the lines of the plan the database gives for q.
func (c *conn) explain(ctx context.Context, q string, args ...any) (string, error) {
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for rows.Next() {
		// SQLite: id, parent, notused, detail; PostgreSQL: one text column.
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(any)
		}
		if err := rows.Scan(vals...); err != nil {
			return "", err
		}
		fmt.Fprintln(&b, *vals[len(vals)-1].(*any))
	}
	return b.String(), rows.Err()
}

// seedPlanTable stores planRows statuses by planAuthors authors and an
// identity for every even-numbered author, then updates the statistics.
func seedPlanTable(ctx context.Context, s *Store) error {
	seq := `WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < %d) `
	statuses := fmt.Sprintf(`INSERT INTO status (uri, author_did, rkey, status, record, created_at, indexed_at) `+seq+`
		SELECT 'at://did:plc:plan' || (n %% %d) || '/xyz.statusphere.status/' || n, 'did:plc:plan' || (n %% %d),
			'' || n, 'x', CAST('{}' AS BLOB), '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z'
		FROM seq`, planRows-1, planAuthors, planAuthors)
	identities := fmt.Sprintf(`INSERT INTO identity (did, handle, verified_at) `+seq+`
		SELECT 'did:plc:plan' || n, 'u' || n || '.test', '2025-01-01T00:00:00.000000Z'
		FROM seq WHERE n %% 2 = 0`, planAuthors-1)
	analyze := "ANALYZE"
	if s.d == dialectPostgres {
		statuses = strings.NewReplacer("CAST('{}' AS BLOB)", `'\x7b7d'::bytea`,
			"'2025-01-01T00:00:00.000000Z'", "'2025-01-01T00:00:00Z'::timestamptz").Replace(statuses)
		identities = strings.ReplaceAll(identities, "'2025-01-01T00:00:00.000000Z'", "'2025-01-01T00:00:00Z'::timestamptz")
		analyze = "VACUUM ANALYZE"
	}
	err := s.InTx(ctx, func(tx *Tx) error {
		for _, q := range []string{statuses, identities} {
			if _, err := tx.w.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("%.60s…: %w", strings.TrimSpace(q), err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = s.write.ExecContext(ctx, analyze)
	return err
}
