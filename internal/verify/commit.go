package verify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/atproto/repo"
	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/ipfs/go-cid"
)

// Op is one verified record operation of a commit.
type Op struct {
	Action     string // create, update or delete
	Collection syntax.NSID
	RKey       syntax.RecordKey
	CID        cid.Cid // create and update: the record's CID in the signed tree
	CBOR       []byte  // create and update: the record's bytes
}

// splitPath splits a repository path "collection/rkey" without checking
// either part's syntax.
func splitPath(path string) (collection, rkey string, ok bool) {
	collection, rkey, ok = strings.Cut(path, "/")
	if !ok || collection == "" || rkey == "" {
		return "", "", false
	}
	return collection, rkey, true
}

// Commit checks a #commit completely and returns the given ops (a subset of
// evt.Ops the caller cares about) as verified operations. The error wraps
// ErrFailed when the commit is bad, ErrUnavailable when the signing key
// could not be fetched.
func (v *Verifier) Commit(ctx context.Context, did syntax.DID, evt *comatproto.SyncSubscribeRepos_Commit, ops []*comatproto.SyncSubscribeRepos_RepoOp) ([]Op, error) {
	r, err := v.commitRepo(ctx, did, evt)
	if err != nil {
		return nil, err
	}
	out := make([]Op, 0, len(ops))
	for _, op := range ops {
		o, err := verifiedOp(ctx, r, did, op)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// commitRepo checks evt's structure, ops and signature and returns the
// repository slice its blocks hold (records readable by path).
func (v *Verifier) commitRepo(ctx context.Context, did syntax.DID, evt *comatproto.SyncSubscribeRepos_Commit) (*repo.Repo, error) {
	if evt.TooBig {
		return nil, fmt.Errorf("%w: tooBig commit without its blocks", ErrFailed)
	}
	if len(evt.Blocks) == 0 {
		return nil, fmt.Errorf("%w: commit without blocks", ErrFailed)
	}
	// Ops against the blocks: each create/update CID is the MST's value at
	// its path, and inverting the ops yields prevData.
	r, err := repo.VerifyCommitMessage(ctx, evt)
	if err != nil {
		return nil, fmt.Errorf("%w: commit message: %w", ErrFailed, err)
	}
	commit, root, err := repo.LoadCommitFromCAR(ctx, bytes.NewReader(evt.Blocks))
	if err != nil {
		return nil, fmt.Errorf("%w: commit block: %w", ErrFailed, err)
	}
	if !root.Equals(cid.Cid(evt.Commit)) {
		return nil, fmt.Errorf("%w: commit CID %s is not the CAR root %s", ErrFailed, cid.Cid(evt.Commit), root)
	}
	if commit.DID != did.String() {
		return nil, fmt.Errorf("%w: commit is signed for %s, not %s", ErrFailed, commit.DID, did)
	}
	if err := v.checkSignature(ctx, did, commit); err != nil {
		return nil, err
	}
	return r, nil
}

// verifiedOp reads op's record from the verified tree r: a create or
// update must match the tree's CID, a delete must be proven by the tree no
// longer holding the record (the ops list itself is not signed).
func verifiedOp(ctx context.Context, r *repo.Repo, did syntax.DID, op *comatproto.SyncSubscribeRepos_RepoOp) (Op, error) {
	coll, rk, ok := splitPath(op.Path)
	if !ok {
		return Op{}, fmt.Errorf("%w: op path %q", ErrFailed, op.Path)
	}
	nsid, err := syntax.ParseNSID(coll)
	if err != nil {
		return Op{}, fmt.Errorf("%w: op path %q: %w", ErrFailed, op.Path, err)
	}
	rkey, err := syntax.ParseRecordKey(rk)
	if err != nil {
		return Op{}, fmt.Errorf("%w: op path %q: %w", ErrFailed, op.Path, err)
	}
	uri := "at://" + did.String() + "/" + op.Path
	o := Op{Action: op.Action, Collection: nsid, RKey: rkey}
	switch op.Action {
	case "create", "update":
		if op.Cid == nil {
			return Op{}, fmt.Errorf("%w: %s of %s without a CID", ErrFailed, op.Action, uri)
		}
		b, c, err := r.GetRecordBytes(ctx, nsid, rkey)
		if err != nil {
			return Op{}, fmt.Errorf("%w: record %s: %w", ErrFailed, uri, err)
		}
		if !c.Equals(cid.Cid(*op.Cid)) {
			return Op{}, fmt.Errorf("%w: record %s: op CID %s is not the tree's %s", ErrFailed, uri, cid.Cid(*op.Cid), c)
		}
		o.CID, o.CBOR = *c, b
	case "delete":
		if _, err := r.GetRecordCID(ctx, nsid, rkey); !errors.Is(err, repo.ErrNotFound) {
			return Op{}, fmt.Errorf("%w: delete of %s not proven by the tree (%v)", ErrFailed, uri, err)
		}
	default:
		return Op{}, fmt.Errorf("%w: op action %q on %s", ErrFailed, op.Action, uri)
	}
	return o, nil
}

// Sync checks a #sync event's commit (the only block it carries): its DID,
// rev and signature. It returns the commit.
func (v *Verifier) Sync(ctx context.Context, did syntax.DID, evt *comatproto.SyncSubscribeRepos_Sync) (*repo.Commit, error) {
	commit, _, err := repo.LoadCommitFromCAR(ctx, bytes.NewReader(evt.Blocks))
	if err != nil {
		return nil, fmt.Errorf("%w: sync commit block: %w", ErrFailed, err)
	}
	if commit.DID != did.String() || commit.Rev != evt.Rev {
		return nil, fmt.Errorf("%w: sync commit is for %s rev %s, the event says %s rev %s", ErrFailed, commit.DID, commit.Rev, did, evt.Rev)
	}
	if err := v.checkSignature(ctx, did, commit); err != nil {
		return nil, err
	}
	return commit, nil
}
