package lease

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// DefaultHolder names this process in a lease: "host-pid-random". The host
// and PID let a restarted process on the same host see that the holder's
// process is gone (see [Lease.Acquire]); the random part keeps two
// processes that reuse a PID apart. This assumes one PID namespace per
// host name: containers that share a host name must not share a database
// with this default (set a holder name of another form; it is never taken
// over early).
func DefaultHolder() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), rand.Text()[:8])
}

// parseHolder reads the host and PID of a DefaultHolder name.
func parseHolder(holder string) (host string, pid int, ok bool) {
	i := strings.LastIndexByte(holder, '-')
	if i <= 0 {
		return "", 0, false
	}
	rest := holder[:i]
	j := strings.LastIndexByte(rest, '-')
	if j <= 0 {
		return "", 0, false
	}
	pid, err := strconv.Atoi(rest[j+1:])
	if err != nil || pid <= 0 {
		return "", 0, false
	}
	return rest[:j], pid, true
}

// processGone reports whether no process has pid on this host.
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// TakeOverStore is what a Store offers to take a lease over from a holder
// whose process is gone; *store.Store has it.
type TakeOverStore interface {
	Lease(ctx context.Context, name string) (holder string, expiresAt time.Time, err error)
	TakeOverLease(ctx context.Context, name, from, holder string, ttl time.Duration, now time.Time) (bool, error)
}

// takeOverDead takes the lease over when its holder is a process of this
// host (by DefaultHolder's name) that no longer exists: a crashed
// predecessor, whose lease would otherwise block a restart for its whole
// TTL. It reports whether this holder holds the lease now.
func (l Lease) takeOverDead(ctx context.Context) (bool, error) {
	ts, ok := l.Store.(TakeOverStore)
	if !ok {
		return false, nil
	}
	holder, _, err := ts.Lease(ctx, l.Name)
	if err != nil {
		return false, nil // released meanwhile (or unreadable): Acquire asks again
	}
	host, pid, ok := parseHolder(holder)
	me, _ := os.Hostname()
	if !ok || holder == l.Holder || host != me || pid == os.Getpid() || !processGone(pid) {
		return false, nil
	}
	taken, err := ts.TakeOverLease(ctx, l.Name, holder, l.Holder, l.TTL, time.Now())
	if err != nil || !taken {
		return false, err
	}
	l.Log.Info("took the lease over from a process of this host that is gone", "lease", l.Name, "from", holder, "holder", l.Holder)
	return true, nil
}
