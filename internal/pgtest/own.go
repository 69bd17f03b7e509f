package pgtest

import (
	"os"
	"syscall"
	"testing"
)

// Server is a PostgreSQL server of one test's own, which the test may stop
// and start again (a database outage), unlike the shared server of [Start].
type Server struct {
	t   testing.TB
	srv *server
	db  string
}

// StartServer starts a server for t alone, with one fresh database (see
// [Server.URL]); it stops when t ends. Like [Start], it fails t when
// PostgreSQL is not installed and skips it under -short.
func StartServer(t testing.TB) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("pgtest: -short: not starting PostgreSQL")
	}
	srv, err := startServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.stop)
	name, err := srv.createDatabase()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return &Server{t: t, srv: srv, db: name}
}

// URL is the database's URL, for pgx; it stays the same across restarts.
func (s *Server) URL() string { return s.srv.url(s.db) }

// Stop shuts the server down: connections to it are refused until
// [Server.Restart]. Committed data is kept.
func (s *Server) Stop() {
	s.t.Helper()
	s.srv.halt(syscall.SIGINT)
	// The socket file may outlive an immediate shutdown; without it a
	// client is refused at once instead of waiting on a dead socket.
	os.Remove(s.srv.socket()) //nolint:errcheck // usually gone already
}

// Restart starts the stopped server again on the same data and waits until
// it accepts connections.
func (s *Server) Restart() {
	s.t.Helper()
	if err := s.srv.run(); err != nil {
		s.t.Fatalf("pgtest: restart: %v", err)
	}
}
