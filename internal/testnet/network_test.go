package testnet_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/bluesky-social/indigo/events"
	"github.com/bluesky-social/indigo/events/schedulers/sequential"
	"github.com/gorilla/websocket"

	"github.com/statusphere/statusphere/internal/identity"
	"github.com/statusphere/statusphere/internal/testnet"
)

const statusNSID = "xyz.statusphere.status"

func TestNetworkRoundTrip(t *testing.T) {
	net := testnet.Start(t, testnet.WithAccounts("alice", "bob"))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	bob := net.Account("bob")

	// Write as another app would, then read it back.
	rec := map[string]any{"$type": statusNSID, "status": "🦋", "createdAt": syntax.DatetimeNow().String()}
	ref, err := bob.CreateRecord(ctx, statusNSID, "", rec, nil)
	if err != nil {
		t.Fatalf("createRecord: %v", err)
	}
	uri, err := syntax.ParseATURI(ref.URI.String())
	if err != nil || uri.Authority().String() != bob.DID.String() || uri.Collection().String() != statusNSID {
		t.Fatalf("createRecord returned URI %q (%v)", ref.URI, err)
	}
	got, err := bob.GetRecord(ctx, statusNSID, uri.RecordKey().String())
	if err != nil {
		t.Fatalf("getRecord: %v", err)
	}
	if got.Value["status"] != "🦋" || got.CID != ref.CID {
		t.Fatalf("getRecord = %+v, want status 🦋 and cid %s", got, ref.CID)
	}

	// Resolve bob.test through the resolver the app uses.
	dir := identity.NewDirectory(identity.Config{PLCURL: net.PLCURL, HTTPClient: net.HTTPClient, LocalHandleSuffixes: []string{testnet.Domain}})
	id, err := dir.LookupHandle(ctx, bob.Handle)
	if err != nil {
		t.Fatalf("resolve %s: %v", bob.Handle, err)
	}
	if id.DID != bob.DID {
		t.Fatalf("resolve %s = %s, want %s", bob.Handle, id.DID, bob.DID)
	}
	if pds := id.PDSEndpoint(); pds != net.PublicURL() {
		t.Fatalf("bob's PDS endpoint = %q, want %q", pds, net.PublicURL())
	}

	// The matching commit arrives on subscribeRepos.
	seen := make(chan int64, 1)
	errFound := errors.New("found")
	conn, _, err := websocket.DefaultDialer.DialContext(ctx, net.FirehoseURL()+"?cursor=0", nil)
	if err != nil {
		t.Fatalf("dial firehose: %v", err)
	}
	defer conn.Close()
	cb := &events.RepoStreamCallbacks{RepoCommit: func(evt *comatproto.SyncSubscribeRepos_Commit) error {
		if evt.Repo != bob.DID.String() {
			return nil
		}
		for _, op := range evt.Ops {
			if op.Action == "create" && op.Path == statusNSID+"/"+uri.RecordKey().String() && op.Cid != nil && op.Cid.String() == ref.CID {
				seen <- evt.Seq
				return errFound
			}
		}
		return nil
	}}
	go func() {
		<-ctx.Done()
		conn.Close()
	}()
	sched := sequential.NewScheduler("roundtrip", cb.EventHandler)
	err = events.HandleRepoStream(ctx, conn, sched, slog.New(slog.DiscardHandler))
	select {
	case seq := <-seen:
		t.Logf("commit for %s seen on the firehose at seq %d", ref.URI, seq)
	default:
		t.Fatalf("no firehose commit for %s (stream ended: %v)", ref.URI, err)
	}
	if !strings.HasPrefix(net.FirehoseURL(), "ws://127.0.0.1:") {
		t.Errorf("firehose %s is not on loopback", net.FirehoseURL())
	}
	t.Logf("network start-up %s", net.StartupTime)
}
