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
	"github.com/statusphere/statusphere/internal/pds"
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

	t.Run("writes", func(t *testing.T) { testWrites(t, bob) })

	// Resolve bob.test through the resolver the app uses.
	dir, err := identity.NewDirectory(identity.Config{PLCURL: net.PLCURL, HTTPClient: net.HTTPClient, LocalHandleSuffixes: []string{testnet.Domain}})
	if err != nil {
		t.Fatal(err)
	}
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

// testWrites puts, lists, deletes and applies writes on the real PDS
// through the account's password session (package pds).
func testWrites(t *testing.T, acct *testnet.Account) {
	ctx := t.Context()
	rkey := syntax.NewTIDNow(0).String()
	rec := map[string]any{"$type": statusNSID, "status": "🐢", "createdAt": syntax.DatetimeNow().String(), "mood": map[string]any{"weather": "rain"}}
	if _, err := acct.PutRecord(ctx, statusNSID, rkey, rec, nil); err != nil {
		t.Fatalf("putRecord: %v", err)
	}
	recs, err := acct.ListRecords(ctx, statusNSID)
	if err != nil {
		t.Fatalf("listRecords: %v", err)
	}
	found := false
	for _, r := range recs {
		if r.URI.RecordKey().String() == rkey {
			found = r.Value["mood"].(map[string]any)["weather"] == "rain"
		}
	}
	if !found {
		t.Fatalf("listRecords has no %s with its unknown field: %v", rkey, recs)
	}

	// A status and its sidecar note in one commit, then both changed.
	note := "com.example.statusphere.note"
	writes := []pds.Write{
		{Action: pds.ActionUpdate, Collection: statusNSID, RKey: syntax.RecordKey(rkey), Record: rec},
		{Action: pds.ActionCreate, Collection: syntax.NSID(note), RKey: syntax.RecordKey(rkey), Record: map[string]any{"$type": note, "text": "wet"}},
	}
	res, err := pds.ApplyWrites(ctx, acct.Session(), acct.DID, writes, pds.WriteOptions{})
	if err != nil {
		t.Fatalf("applyWrites: %v", err)
	}
	if len(res) != 2 || res[1].URI.Collection().String() != note || res[1].CID == "" {
		t.Fatalf("applyWrites results = %+v", res)
	}
	writes = []pds.Write{
		{Action: pds.ActionDelete, Collection: statusNSID, RKey: syntax.RecordKey(rkey)},
		{Action: pds.ActionDelete, Collection: syntax.NSID(note), RKey: syntax.RecordKey(rkey)},
	}
	if _, err := pds.ApplyWrites(ctx, acct.Session(), acct.DID, writes, pds.WriteOptions{}); err != nil {
		t.Fatalf("applyWrites of deletes: %v", err)
	}
	if _, err := acct.GetRecord(ctx, note, rkey); !errors.Is(err, pds.ErrNotFound) {
		t.Fatalf("the deleted note: %v, want pds.ErrNotFound", err)
	}
	// A swap that does not match is refused with the PDS's error.
	_, err = pds.PutRecord(ctx, acct.Session(), acct.DID, statusNSID, syntax.RecordKey(rkey), rec, pds.WriteOptions{SwapRecord: "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq"})
	if name, _ := pds.ErrorName(err); name != "InvalidSwap" {
		t.Fatalf("putRecord with a stale swap: %v, want InvalidSwap", err)
	}
	if err := acct.DeleteRecord(ctx, statusNSID, rkey); err != nil {
		t.Fatalf("deleteRecord of a record that is gone: %v", err)
	}
}
