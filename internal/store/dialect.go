package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// dialect holds what differs between SQLite and PostgreSQL. The queries are
// written once, in the form both accept:
//
//   - placeholders are written $1, $2, … (PostgreSQL's form); rebind turns
//     them into SQLite's numbered ?1, ?2, … form;
//   - upserts use INSERT … ON CONFLICT (…) DO UPDATE SET … = excluded.…
//     [WHERE …], which both dialects accept verbatim;
//   - times go through timeArg and timeScan (text on SQLite, timestamptz on
//     PostgreSQL); booleans are bound as Go bools (SQLite stores 0/1, and
//     NOT on 0/1 works as on a boolean);
//   - column types live in migrations/<dialect>/*.sql;
//   - the migration lock is lockMigrations.
type dialect int

const (
	dialectSQLite dialect = iota + 1
	dialectPostgres
)

func (d dialect) String() string {
	switch d {
	case dialectSQLite:
		return "sqlite"
	case dialectPostgres:
		return "postgres"
	}
	return fmt.Sprintf("dialect(%d)", int(d))
}

// rebind rewrites the $N placeholders of q for d. On SQLite every "$" that
// is followed by a digit becomes "?" ($3 → ?3, same length); the queries of
// this package have no "$digit" inside string literals.
func (d dialect) rebind(q string) string {
	if d != dialectSQLite {
		return q
	}
	var b []byte
	for i := 0; i+1 < len(q); i++ {
		if q[i] == '$' && q[i+1] >= '0' && q[i+1] <= '9' {
			if b == nil {
				b = []byte(q)
			}
			b[i] = '?'
		}
	}
	if b == nil {
		return q
	}
	return string(b)
}

// sqliteTimeLayout is how times are stored on SQLite: UTC, fixed width
// (always six fractional digits), so comparing the text compares the times.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

// timeArg converts t to the value bound for a time column or compared with
// one: UTC, truncated to the microsecond (what both databases keep). Times
// given to queries are truncated like stored ones, so a time compares with
// a stored copy of itself as equal.
func (d dialect) timeArg(t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if d == dialectSQLite {
		return t.Format(sqliteTimeLayout)
	}
	return t
}

// timeScan scans a time column of either dialect into *t, in UTC.
type timeScan struct{ t *time.Time }

func (s timeScan) Scan(v any) error {
	switch v := v.(type) {
	case time.Time:
		*s.t = v.UTC()
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	default:
		return fmt.Errorf("store: cannot scan %T into a time", v)
	}
	return nil
}

func (s timeScan) parse(v string) error {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return fmt.Errorf("store: bad stored time %q: %w", v, err)
	}
	*s.t = t.UTC()
	return nil
}

// migrationLockKey names the PostgreSQL advisory lock held while migrating
// (any fixed number; advisory locks are per database).
const migrationLockKey int64 = 0x73746174757370 // "statusp"

// lockMigrations serializes migrators across processes. On PostgreSQL it
// takes a transaction-scoped advisory lock (released at commit or
// rollback). On SQLite the transaction itself is the lock: the write pool
// begins every transaction IMMEDIATE, which takes the database's write lock
// up front.
func (d dialect) lockMigrations(ctx context.Context, tx *sql.Tx) error {
	if d != dialectPostgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockKey); err != nil {
		return fmt.Errorf("advisory lock: %w", err)
	}
	return nil
}
