package lease

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	b := Backoff{Base: 100 * time.Millisecond, Max: 2 * time.Second}
	for n := range 40 {
		d := b.Next()
		ceil := min(100*time.Millisecond<<min(n, 20), 2*time.Second)
		if d < ceil/2 || d > ceil {
			t.Fatalf("attempt %d: %s, want within [%s, %s]", n, d, ceil/2, ceil)
		}
	}
	b.Reset()
	if d := b.Next(); d > 100*time.Millisecond {
		t.Errorf("after reset: %s", d)
	}
}
