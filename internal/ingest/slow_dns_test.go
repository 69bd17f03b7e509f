package ingest

import (
	"context"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/syntax"
)

// slowHandles is a directory whose handle resolution takes 5 s (slow DNS),
// as a directory that verifies handles both ways would on every lookup.
type slowHandles struct {
	*identity.MockDirectory
}

func (d slowHandles) ResolveHandle(ctx context.Context, h syntax.Handle) (syntax.DID, error) {
	select {
	case <-time.After(5 * time.Second):
	case <-ctx.Done():
	}
	return d.MockDirectory.ResolveHandle(ctx, h)
}

func (d slowHandles) LookupDID(ctx context.Context, did syntax.DID) (*identity.Identity, error) {
	ident, err := d.MockDirectory.LookupDID(ctx, did)
	if err != nil {
		return nil, err
	}
	if _, err := d.ResolveHandle(ctx, ident.Handle); err != nil { // the bidirectional check
		return nil, err
	}
	return ident, nil
}

// TestIngestIgnoresSlowDNS: with every handle lookup delayed 5 s, the
// recorded stream's status commits are applied at once: verification
// reads signing keys from DID documents, never resolving a handle.
func TestIngestIgnoresSlowDNS(t *testing.T) {
	frames, dir := recordedFrames(t)
	want := statusCommits(frames)
	relay := startFakeRelay(t, frames)
	st, _ := openStore(t)
	started := time.Now()
	r := startIngester(t, Config{RelayURL: relay.wsURL(), DisableLease: true},
		Deps{Store: st, Directory: slowHandles{dir}, Validator: catalog(t)})
	waitFor(t, 30*time.Second, "the stream to be handled", func() bool { return r.Health().Cursor == relay.lastSeq() })
	took := time.Since(started)
	t.Logf("%d status commits of %d frames handled %s after the start", len(want), len(frames), took.Round(time.Millisecond))
	if took > time.Second {
		t.Errorf("the stream took %s with slow handle resolution, want within 1s", took.Round(time.Millisecond))
	}
	if c := r.Health().Counts; c.VerificationFailed != 0 || c.Applied == 0 {
		t.Errorf("counts %+v: want status commits applied, none failing verification", c)
	}
}
