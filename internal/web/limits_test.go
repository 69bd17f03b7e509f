package web

import (
	"testing"
	"time"
)

// TestRateLimitRefills: an address that used its budget gets tokens back
// as the window passes, one per window/n; other addresses are unaffected
// until the global budget is spent.
func TestRateLimitRefills(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newRateLimit(4, 2, time.Minute, func() time.Time { return now })
	steps := []struct {
		advance time.Duration
		addr    string
		want    bool
	}{
		{0, "a", true}, {0, "a", true}, {0, "a", false},
		{29 * time.Second, "a", false}, {time.Second, "a", true}, {0, "a", false},
		// The global bucket (4 a minute) refilled the first two in 30 s:
		// three more from others, then none.
		{0, "b", true}, {0, "c", true}, {0, "d", true}, {0, "e", false},
		{time.Minute, "e", true},
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		if got := l.allow(s.addr); got != s.want {
			t.Fatalf("step %d (%s after +%s): allow = %v, want %v", i, s.addr, s.advance, got, s.want)
		}
	}
}

// TestLimitsDefaults: zero fields take the defaults, set ones are kept.
func TestLimitsDefaults(t *testing.T) {
	got := Limits{StreamsPerAddr: 3}.withDefaults()
	want := DefaultLimits()
	want.StreamsPerAddr = 3
	if got != want {
		t.Fatalf("withDefaults = %+v, want %+v", got, want)
	}
}
