// Package testlog gives tests a logger that writes to the test's log while
// the test runs and drops (and counts) what is logged after it has ended.
// A goroutine that outlives its test (a server shutting down, a retry
// loop) can then log without the testing package panicking with "Log in
// goroutine after Test… has completed".
package testlog

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// Sink is an io.Writer for a test's log: each Write goes to t.Log until
// the test's cleanup runs, and is dropped and counted after.
type Sink struct {
	mu      sync.Mutex
	t       testing.TB
	done    bool
	dropped int
}

// NewSink returns a sink for t. It closes when t's cleanup functions run;
// writes from other cleanup functions of t registered later still reach
// the log (cleanups run last registered, first run).
func NewSink(t testing.TB) *Sink {
	s := &Sink{t: t}
	t.Cleanup(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.done = true
	})
	return s
}

// Write logs p (one line or record, trailing newline dropped) to the test,
// or drops it once the test has ended. It never fails.
func (s *Sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		s.dropped++
		return len(p), nil
	}
	s.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// Dropped returns how many writes came after the test ended.
func (s *Sink) Dropped() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// Logger returns a text logger writing records at level and above to s.
func (s *Sink) Logger(level slog.Leveler) *slog.Logger {
	return slog.New(slog.NewTextHandler(s, &slog.HandlerOptions{Level: level}))
}

// New returns a logger for t that writes records at level and above to the
// test's log while it runs, and drops them after: NewSink(t).Logger(level).
func New(t testing.TB, level slog.Leveler) *slog.Logger {
	return NewSink(t).Logger(level)
}
