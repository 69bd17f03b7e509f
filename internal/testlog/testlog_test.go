package testlog

import (
	"log/slog"
	"testing"
)

// TestDropsAfterTheTest logs from a subtest's logger after the subtest has
// ended, as a goroutine that outlives it would: without the sink the
// testing package panics ("Log in goroutine after … has completed") once
// the parent is done too; here the write is dropped and counted.
func TestDropsAfterTheTest(t *testing.T) {
	var sink *Sink
	var log *slog.Logger
	t.Run("inner", func(t *testing.T) {
		sink = NewSink(t)
		log = sink.Logger(slog.LevelInfo)
		log.Info("while the test runs")
		t.Cleanup(func() { log.Info("from a later cleanup") })
		log.Debug("below the level")
	})
	if sink.Dropped() != 0 {
		t.Fatalf("dropped %d writes while the test ran", sink.Dropped())
	}
	log.Info("after the test")
	log.Warn("after the test, again")
	if got := sink.Dropped(); got != 2 {
		t.Fatalf("dropped %d writes after the test, want 2", got)
	}
}
