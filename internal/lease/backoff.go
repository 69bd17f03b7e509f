package lease

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff computes exponentially growing waits with full jitter: attempt n
// waits a random time in [d/2, d] where d = min(Max, Base·2ⁿ).
type Backoff struct {
	Base, Max time.Duration
	// Attempt is how many waits were handed out since the last reset.
	Attempt int
}

// Next returns how long to wait before the next attempt, and counts it.
func (b *Backoff) Next() time.Duration {
	d := b.Max
	if b.Attempt < 30 {
		if e := b.Base << b.Attempt; e > 0 && e < b.Max {
			d = e
		}
	}
	b.Attempt++
	half := d / 2
	return half + rand.N(half+1)
}

// Reset starts over after a success.
func (b *Backoff) Reset() { b.Attempt = 0 }

// Sleep waits d or until ctx ends, and reports whether it waited the full d.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Retry runs fn until it succeeds, fails with an error retryable does not
// accept, has been retried max times, or ctx ends; between attempts it
// waits as b says, after calling onRetry (for logging; may be nil).
func Retry(ctx context.Context, b Backoff, max int, retryable func(error) bool, onRetry func(err error, wait time.Duration), fn func() error) error {
	for attempt := 0; ; attempt++ {
		err := fn()
		if err == nil || !retryable(err) || attempt >= max || ctx.Err() != nil {
			return err
		}
		wait := b.Next()
		if onRetry != nil {
			onRetry(err, wait)
		}
		if !Sleep(ctx, wait) {
			return ctx.Err()
		}
	}
}
