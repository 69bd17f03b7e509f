package ingest

import (
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/statusphere/statusphere/internal/backfill"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/testnet"
)

// slowDownTransport makes every getRepo of one repository hang, then fail,
// while down is set: a PDS that does not answer.
type slowDownTransport struct {
	next http.RoundTripper
	did  string
	down atomic.Bool
}

func (s *slowDownTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if s.down.Load() && req.URL.Query().Get("did") == s.did {
		select {
		case <-time.After(3 * time.Second):
		case <-req.Context().Done():
		}
		return nil, errors.New("PDS unreachable (test)")
	}
	return s.next.RoundTrip(req)
}

// TestSyncDoesNotBlockStream: a #sync for an account whose PDS does not
// answer does not hold back another account's status (the repository
// fetch is the backfill's workers', off the stream), and once the PDS is
// back the resync converges.
func TestSyncDoesNotBlockStream(t *testing.T) {
	net := startNet(t, testnet.WithAccounts("bob", "alice"))
	ctx := t.Context()
	bob, alice := net.Account("bob"), net.Account("alice")
	bobStatus, err := bob.CreateRecord(ctx, Collection, "", statusRecord("🦋"), nil)
	if err != nil {
		t.Fatal(err)
	}
	aliceStatus, err := alice.CreateRecord(ctx, Collection, "", statusRecord("🐢"), nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := captureFrames(ctx, net.FirehoseURL(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// bob's #sync, then alice's status commit.
	var stream []*frame
	for _, fb := range raw {
		f, err := decodeFrame(fb)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case f.sync != nil && f.sync.Did == bob.DID.String():
			stream = append(stream, f)
		case len(stream) == 1 && f.commit != nil && f.commit.Repo == alice.DID.String() && len(statusCommits([]*frame{f})) == 1:
			stream = append(stream, f)
		}
	}
	if len(stream) != 2 {
		t.Fatalf("found %d of bob's #sync and alice's status commit", len(stream))
	}
	relay := startFakeRelay(t, stream)
	st, _ := openStore(t)
	pds := &slowDownTransport{next: net.HTTPClient.Transport, did: bob.DID.String()}
	pds.down.Store(true)
	resyncer := startResyncer(t, net, st, backfill.Deps{HTTPClient: &http.Client{Timeout: 30 * time.Second, Transport: pds}})
	r := startIngester(t, Config{RelayURL: relay.wsURL(), DisableLease: true},
		Deps{Store: st, Directory: dids(net), Validator: catalog(t), OnResync: resyncer.Wake})
	r.waitConnected(t)
	connected := time.Now()
	waitFor(t, 10*time.Second, "alice's status", func() bool { _, ok := stored(t, st, aliceStatus.URI); return ok })
	delay := time.Since(connected)
	t.Logf("alice's status stored %s after the connection (bob's PDS hangs 3s per fetch)", delay.Round(time.Millisecond))
	if delay > 500*time.Millisecond {
		t.Errorf("alice's status waited %s behind bob's #sync, want at most 500ms", delay.Round(time.Millisecond))
	}
	if _, ok := stored(t, st, bobStatus.URI); ok {
		t.Fatal("bob's status stored while his PDS was down")
	}

	pds.down.Store(false)
	waitFor(t, 30*time.Second, "bob's repository resynced", func() bool {
		rs, err := st.RepoState(ctx, bob.DID)
		return err == nil && rs.Backfill == store.BackfillDone
	})
	if _, ok := stored(t, st, bobStatus.URI); !ok {
		t.Error("bob's status not stored by the resync")
	}
}
