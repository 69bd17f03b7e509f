package ingest

import (
	"context"
	"math/rand/v2"
	"time"
)

// backoff computes exponentially growing waits with full jitter: attempt n
// waits a random time in [d/2, d] where d = min(max, base·2ⁿ).
type backoff struct {
	base, max time.Duration
	attempt   int
}

// next returns how long to wait before the next attempt, and counts it.
func (b *backoff) next() time.Duration {
	d := b.max
	if b.attempt < 30 {
		if e := b.base << b.attempt; e > 0 && e < b.max {
			d = e
		}
	}
	b.attempt++
	half := d / 2
	return half + rand.N(half+1)
}

// reset starts over after a success.
func (b *backoff) reset() { b.attempt = 0 }

// sleep waits d or until ctx ends, and reports whether it waited the full d.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
