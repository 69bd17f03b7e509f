package verify

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"os"
	"sync/atomic"
	"testing"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/bluesky-social/indigo/events"
	"github.com/ipfs/go-cid"
	cbg "github.com/whyrusleeping/cbor-gen"
)

// The committed firehose recording of internal/ingest: real frames from
// the local PDS, with the DID documents that sign them.
const recordingPath = "../ingest/testdata/frames.json.gz"

type recording struct {
	Identities []identity.Identity `json:"identities"`
	Frames     [][]byte            `json:"frames"`
}

// recordedCommits returns the recording's commits that carry ops, and a
// resolver of its DID documents.
func recordedCommits(t *testing.T) ([]*comatproto.SyncSubscribeRepos_Commit, *identity.MockDirectory) {
	t.Helper()
	f, err := os.Open(recordingPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var rec recording
	if err := json.NewDecoder(zr).Decode(&rec); err != nil {
		t.Fatal(err)
	}
	dir := identity.NewMockDirectory()
	for _, id := range rec.Identities {
		dir.Insert(id)
	}
	var out []*comatproto.SyncSubscribeRepos_Commit
	for _, b := range rec.Frames {
		cr := cbg.NewCborReader(bytes.NewReader(b))
		var h events.EventHeader
		if err := h.UnmarshalCBOR(cr); err != nil {
			t.Fatal(err)
		}
		if h.Op != events.EvtKindMessage || h.MsgType != "#commit" {
			continue
		}
		var c comatproto.SyncSubscribeRepos_Commit
		if err := c.UnmarshalCBOR(cr); err != nil {
			t.Fatal(err)
		}
		if len(c.Ops) > 0 {
			out = append(out, &c)
		}
	}
	if len(out) == 0 {
		t.Fatal("no commit in the recording")
	}
	return out, dir
}

// countingResolver counts DID resolutions and can fail them.
type countingResolver struct {
	inner DIDResolver
	calls atomic.Int64
	err   error
}

func (r *countingResolver) ResolveDID(ctx context.Context, did syntax.DID) (*identity.DIDDocument, error) {
	r.calls.Add(1)
	if r.err != nil {
		return nil, r.err
	}
	return r.inner.ResolveDID(ctx, did)
}

func TestCommit(t *testing.T) {
	ctx := t.Context()
	commits, dir := recordedCommits(t)
	res := &countingResolver{inner: dir}
	v := New(res)
	dids := map[syntax.DID]bool{}
	for _, c := range commits {
		did := syntax.DID(c.Repo)
		dids[did] = true
		ops, err := v.Commit(ctx, did, c, c.Ops)
		if err != nil {
			t.Fatalf("commit %d of %s: %v", c.Seq, did, err)
		}
		for i, op := range ops {
			if op.Action != c.Ops[i].Action || op.Collection.String()+"/"+op.RKey.String() != c.Ops[i].Path {
				t.Errorf("op %d of commit %d: %+v, want %s %s", i, c.Seq, op, c.Ops[i].Action, c.Ops[i].Path)
			}
			if op.Action != "delete" && (len(op.CBOR) == 0 || !op.CID.Equals(cid.Cid(*c.Ops[i].Cid))) {
				t.Errorf("op %d of commit %d: no record bytes or another CID", i, c.Seq)
			}
		}
	}
	if got := res.calls.Load(); got != int64(len(dids)) {
		t.Errorf("%d DID resolutions for %d accounts: keys are not cached", got, len(dids))
	}

	c := commits[0]
	did := syntax.DID(c.Repo)
	t.Run("another DID", func(t *testing.T) {
		other := syntax.DID("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa")
		if _, err := v.Commit(ctx, other, c, c.Ops); !errors.Is(err, ErrFailed) {
			t.Errorf("commit claimed for another DID: %v, want ErrFailed", err)
		}
	})
	t.Run("tampered blocks", func(t *testing.T) {
		bad := *c
		bad.Blocks = bytes.Clone(c.Blocks)
		bad.Blocks[len(bad.Blocks)-1] ^= 0xff
		if _, err := v.Commit(ctx, did, &bad, bad.Ops); !errors.Is(err, ErrFailed) {
			t.Errorf("tampered commit: %v, want ErrFailed", err)
		}
	})
	t.Run("unproven delete", func(t *testing.T) {
		// A delete of a record the new tree still holds: the ops list is
		// not signed, the tree is.
		for _, c := range commits {
			for _, op := range c.Ops {
				if op.Action != "create" {
					continue
				}
				forged := &comatproto.SyncSubscribeRepos_RepoOp{Action: "delete", Path: op.Path}
				if _, err := v.Commit(ctx, syntax.DID(c.Repo), c, []*comatproto.SyncSubscribeRepos_RepoOp{forged}); !errors.Is(err, ErrFailed) {
					t.Errorf("delete of %s, which the tree holds: %v, want ErrFailed", op.Path, err)
				}
				return
			}
		}
		t.Fatal("no create in the recording")
	})
	t.Run("replay", func(t *testing.T) {
		v.Applied(did, c.Rev)
		if err := v.CheckRev(did, c.Rev); !errors.Is(err, ErrFailed) {
			t.Errorf("the same rev again: %v, want ErrFailed", err)
		}
	})
	t.Run("unknown account", func(t *testing.T) {
		v := New(identity.NewMockDirectory())
		if _, err := v.Commit(ctx, did, c, c.Ops); !errors.Is(err, ErrFailed) || !errors.Is(err, identity.ErrDIDNotFound) {
			t.Errorf("commit of an account without a DID document: %v, want ErrFailed", err)
		}
	})
	t.Run("resolver down", func(t *testing.T) {
		v := New(&countingResolver{err: errors.New("connection refused")})
		if _, err := v.Commit(ctx, did, c, c.Ops); !errors.Is(err, ErrUnavailable) {
			t.Errorf("commit while the DID resolver is down: %v, want ErrUnavailable", err)
		}
	})
	t.Run("forget", func(t *testing.T) {
		before := res.calls.Load()
		v.Forget(ctx, did)
		if _, err := v.PDS(ctx, did); err != nil && !errors.Is(err, ErrFailed) {
			t.Fatal(err)
		}
		if res.calls.Load() != before+1 {
			t.Error("Forget kept the cached key")
		}
	})
}
