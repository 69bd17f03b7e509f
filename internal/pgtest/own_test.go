package pgtest

import (
	"context"
	"database/sql"
	"testing"
)

// TestServerStopAndRestart: a stopped server refuses connections; restarted,
// it serves the data committed before.
func TestServerStopAndRestart(t *testing.T) {
	s := StartServer(t)
	db, err := sql.Open("pgx", s.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)`); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	if err := db.PingContext(ctx); err == nil {
		t.Fatal("the stopped server still answers")
	}
	s.Restart()
	var v int
	if err := db.QueryRowContext(ctx, `SELECT v FROM kept`).Scan(&v); err != nil || v != 42 {
		t.Fatalf("after restart: %d, %v", v, err)
	}
}
