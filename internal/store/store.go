package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"               // registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrNotFound is returned (wrapped) when the row asked for does not exist,
// or, for web sessions, has expired. Test with errors.Is.
var ErrNotFound = errors.New("store: not found")

// DefaultSQLitePath is the database Open uses for an empty URL.
const DefaultSQLitePath = "statusphere.db"

// busyTimeoutMS is how long an SQLite connection waits for another process's
// lock before failing with SQLITE_BUSY.
const busyTimeoutMS = 10_000

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn carries the query methods shared by Store and Tx. Reads go to r and
// writes to w: for a Store on an SQLite file those are the read pool and the
// single-connection write pool; otherwise both are the same.
type conn struct {
	d dialect
	r querier
	w querier
}

func (c *conn) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return c.w.ExecContext(ctx, c.d.rebind(q), args...)
}

func (c *conn) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return c.r.QueryContext(ctx, c.d.rebind(q), args...)
}

func (c *conn) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return c.r.QueryRowContext(ctx, c.d.rebind(q), args...)
}

// rowScanner is *sql.Row or *sql.Rows.
type rowScanner interface {
	Scan(dest ...any) error
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(rowScanner) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{} // an empty result is an empty slice, not nil
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// scanString scans a one-column row of text as a value of type T.
func scanString[T ~string](r rowScanner) (T, error) {
	var s string
	err := r.Scan(&s)
	return T(s), err
}

// Store is the app's database. It is safe for concurrent use.
type Store struct {
	conn
	read  *sql.DB
	write *sql.DB // == read except for an SQLite file
}

// Tx is a database transaction, given to the function passed to
// [Store.InTx]. It has the Store's query methods, run inside the
// transaction; it must not be used after that function returns.
type Tx struct {
	conn
}

// Open opens the database named by url and applies pending migrations.
//
// url selects the dialect:
//   - "" opens the SQLite file [DefaultSQLitePath];
//   - "postgres://…" or "postgresql://…" opens PostgreSQL through pgx;
//   - ":memory:" (or "sqlite::memory:") opens a private in-memory SQLite
//     database on a single connection, for tests;
//   - "sqlite:PATH", "file:PATH[?query]" or a plain PATH opens an SQLite file
//     in WAL mode, with a busy timeout and foreign keys on, a pool of
//     read-only connections and one write connection.
//
// Migrations run under a lock (an advisory lock on PostgreSQL, BEGIN
// IMMEDIATE on SQLite), so processes starting together do not race.
func Open(ctx context.Context, url string) (*Store, error) {
	var (
		s   *Store
		err error
	)
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		s, err = openPostgres(ctx, url)
	default:
		s, err = openSQLite(ctx, url)
	}
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func openPostgres(ctx context.Context, dbURL string) (*Store, error) {
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(time.Hour)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect to postgres: %w", err)
	}
	return newStore(dialectPostgres, db, db), nil
}

func newStore(d dialect, read, write *sql.DB) *Store {
	return &Store{conn: conn{d: d, r: read, w: write}, read: read, write: write}
}

// sqliteTarget is an SQLite database named by Open's url.
type sqliteTarget struct {
	name   string     // file name, or file: URI without its query
	query  url.Values // the caller's URI query parameters (file: URIs only)
	memory bool
}

// parseSQLiteURL interprets an Open url that is not a PostgreSQL URL.
func parseSQLiteURL(raw string) (sqliteTarget, error) {
	name := strings.TrimPrefix(raw, "sqlite:")
	if name == "" {
		name = DefaultSQLitePath
	}
	if name == ":memory:" {
		return sqliteTarget{memory: true}, nil
	}
	if !strings.HasPrefix(name, "file:") {
		if i := strings.Index(name, "://"); i > 0 && !strings.ContainsAny(name[:i], `/\.`) {
			return sqliteTarget{}, fmt.Errorf("store: unsupported database URL scheme %q (want postgres://, postgresql://, sqlite:, file: or a path)", name[:i])
		}
		return sqliteTarget{name: name}, nil
	}
	t := sqliteTarget{name: name, query: url.Values{}}
	if i := strings.IndexByte(name, '?'); i >= 0 {
		q, err := url.ParseQuery(name[i+1:])
		if err != nil {
			return sqliteTarget{}, fmt.Errorf("store: bad SQLite URI query: %w", err)
		}
		t.name, t.query = name[:i], q
	}
	t.memory = t.name == "file::memory:" || t.query.Get("mode") == "memory"
	return t, nil
}

// dsn returns the modernc.org/sqlite data source name for t with our
// connection settings added (the caller's own URI parameters win).
func (t sqliteTarget) dsn(readOnly bool) string {
	q := url.Values{}
	for k, v := range t.query {
		q[k] = v
	}
	// modernc runs busy_timeout first whatever the order.
	pragmas := []string{
		fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS),
		"foreign_keys(1)",
	}
	if readOnly {
		pragmas = append(pragmas, "query_only(1)")
	} else if !t.memory {
		pragmas = append(pragmas, "journal_mode(WAL)", "synchronous(NORMAL)")
	}
	q["_pragma"] = append(pragmas, q["_pragma"]...)
	if !readOnly && q.Get("_txlock") == "" {
		q.Set("_txlock", "immediate")
	}
	return t.name + "?" + q.Encode()
}

func openSQLite(ctx context.Context, raw string) (*Store, error) {
	t, err := parseSQLiteURL(raw)
	if err != nil {
		return nil, err
	}
	if t.memory {
		if t.name == "" {
			// A private database: a unique name, shared cache so that a
			// reconnect of the pool would find it, one connection.
			t.name = "file:statusphere-" + rand.Text()
			t.query = url.Values{"mode": {"memory"}, "cache": {"shared"}}
		}
		db, err := openSQLitePool(ctx, t.dsn(false), 1)
		if err != nil {
			return nil, err
		}
		return newStore(dialectSQLite, db, db), nil
	}
	write, err := openSQLitePool(ctx, t.dsn(false), 1)
	if err != nil {
		return nil, err
	}
	read, err := openSQLitePool(ctx, t.dsn(true), max(4, 2*runtime.GOMAXPROCS(0)))
	if err != nil {
		write.Close()
		return nil, err
	}
	return newStore(dialectSQLite, read, write), nil
}

func openSQLitePool(ctx context.Context, dsn string, conns int) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := pingSQLite(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	return db, nil
}

// pingSQLite opens the first connection, which runs the pragmas. While
// several processes create the same database at once, switching it to WAL
// can fail with SQLITE_BUSY without waiting on busy_timeout: such a
// failure is retried, with a short pause, for as long as busy_timeout.
func pingSQLite(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(busyTimeoutMS * time.Millisecond)
	for {
		err := db.PingContext(ctx)
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// Close closes the database. On SQLite it first lets the database refresh
// its query-planner statistics (PRAGMA optimize).
func (s *Store) Close() error {
	var errs []error
	if s.d == dialectSQLite {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if _, err := s.write.ExecContext(ctx, `PRAGMA optimize`); err != nil {
			errs = append(errs, fmt.Errorf("store: optimize: %w", err))
		}
		cancel()
	}
	if s.write != s.read {
		if err := s.write.Close(); err != nil {
			errs = append(errs, fmt.Errorf("store: close: %w", err))
		}
	}
	if err := s.read.Close(); err != nil {
		errs = append(errs, fmt.Errorf("store: close: %w", err))
	}
	return errors.Join(errs...)
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.read.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	if s.write != s.read {
		if err := s.write.PingContext(ctx); err != nil {
			return fmt.Errorf("store: ping: %w", err)
		}
	}
	return nil
}

// Dialect returns "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.d.String() }

// Stats returns the connection pool statistics (on an SQLite file, the read
// and write pools added together).
func (s *Store) Stats() sql.DBStats {
	st := s.read.Stats()
	if s.write == s.read {
		return st
	}
	w := s.write.Stats()
	st.MaxOpenConnections += w.MaxOpenConnections
	st.OpenConnections += w.OpenConnections
	st.InUse += w.InUse
	st.Idle += w.Idle
	st.WaitCount += w.WaitCount
	st.WaitDuration += w.WaitDuration
	st.MaxIdleClosed += w.MaxIdleClosed
	st.MaxIdleTimeClosed += w.MaxIdleTimeClosed
	st.MaxLifetimeClosed += w.MaxLifetimeClosed
	return st
}

// InTx runs fn in one transaction: it commits if fn returns nil, otherwise
// it rolls back and returns fn's error. A panic in fn rolls back and is
// re-raised. Inside fn use only tx (see the package documentation).
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	sqlTx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin transaction: %w", err)
	}
	committed := false
	defer func() {
		if committed {
			return
		}
		if rbErr := sqlTx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) && err != nil {
			err = errors.Join(err, fmt.Errorf("store: roll back: %w", rbErr))
		}
	}()
	if err := fn(&Tx{conn: conn{d: s.d, r: sqlTx, w: sqlTx}}); err != nil {
		return err
	}
	committed = true
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}
