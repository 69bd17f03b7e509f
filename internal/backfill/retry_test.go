package backfill

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/statusphere/statusphere/internal/store"
)

// TestBackfillRetriesFailedRepos: a repository that failed while its PDS
// was down is marked failed, counted as failing, tried again with growing
// waits, and fetched by the running backfill once the PDS is back — with
// no manual command.
func TestBackfillRetriesFailedRepos(t *testing.T) {
	net := startNet(t)
	ctx := t.Context()
	alice, bob := net.Account("alice"), net.Account("bob")
	createStatuses(t, alice, 2)
	createStatuses(t, bob, 1)
	st, _ := openStore(t)
	var down atomic.Bool
	down.Store(true)
	hooks := newHookTransport(net.HTTPClient)
	hooks.onAnswer = func(c xrpcCall, n int, body []byte) ([]byte, error) {
		if c.method == "com.atproto.sync.getRepo" && c.did == alice.DID.String() && down.Load() {
			return nil, errors.New("connection refused (test)")
		}
		return body, nil
	}
	b := newTestBackfiller(t, net, st, hooks.client(), Config{
		MaxAttempts: 2, FailedRetryMin: 300 * time.Millisecond, FailedRetryMax: 2 * time.Second, FailedPollInterval: 50 * time.Millisecond,
	})
	p, err := b.Run(ctx)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if p.Done != 1 || p.Failed != 1 {
		t.Fatalf("progress %+v: want bob done, alice failed", p)
	}

	rctx, stop := context.WithCancel(ctx)
	retried := make(chan error, 1)
	go func() { retried <- b.RetryFailed(rctx) }()
	defer func() {
		stop()
		<-retried
	}()
	// While the PDS stays down, alice is tried again, later each time.
	waitFor(t, 20*time.Second, "two more failed attempts", func() bool {
		rs, err := st.RepoState(ctx, alice.DID)
		return err == nil && rs.Attempts >= 4
	})
	rs, err := st.RepoState(ctx, alice.DID)
	if err != nil || rs.Backfill != store.BackfillFailed || !rs.RetryAfter.After(rs.UpdatedAt) {
		t.Errorf("alice's state %+v (%v): want failed, with a retry time ahead", rs, err)
	}
	if p := b.Progress(); p.Failed != 1 {
		t.Errorf("progress %+v: want alice counted as failing", p)
	}
	down.Store(false)
	waitFor(t, 20*time.Second, "alice's repository fetched", func() bool {
		rs, err := st.RepoState(ctx, alice.DID)
		return err == nil && rs.Backfill == store.BackfillDone
	})
	wantStoreMatchesRepos(t, st, alice, bob)
	if p := b.Progress(); p.Failed != 0 || p.Done != 2 {
		t.Errorf("progress %+v: want both done, none failing", p)
	}
}
