package verify

import (
	"context"
	"fmt"
	"io"

	"github.com/bluesky-social/indigo/atproto/repo"
	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/ipfs/go-cid"
)

// Record is one record of a verified repository snapshot.
type Record struct {
	Collection syntax.NSID
	RKey       syntax.RecordKey
	CID        cid.Cid
	CBOR       []byte
}

// Snapshot loads did's whole repository from car (a getRepo answer),
// checks that its commit is did's, signed with did's current key, at a
// valid rev (the blocks and the tree are checked against their hashes as
// they load), then walks its tree and calls yield for every record of a
// collection wanted reports true for. It returns the repository's rev. A
// repository that cannot be read wraps ErrUnavailable (the download may
// have been cut); a bad one wraps ErrFailed; an error from yield is
// returned as is.
func (v *Verifier) Snapshot(ctx context.Context, did syntax.DID, car io.Reader, wanted func(syntax.NSID) bool, yield func(Record) error) (rev string, err error) {
	commit, r, err := repo.LoadRepoFromCAR(ctx, car)
	if err != nil {
		return "", fmt.Errorf("%w: repository of %s: %w", ErrUnavailable, did, err)
	}
	if commit.DID != did.String() {
		return "", fmt.Errorf("%w: fetched repository is %s's", ErrFailed, commit.DID)
	}
	if err := v.checkSignature(ctx, did, commit); err != nil {
		return "", err
	}
	if _, err := syntax.ParseTID(commit.Rev); err != nil {
		return "", fmt.Errorf("%w: repository rev %q: %w", ErrFailed, commit.Rev, err)
	}
	err = r.MST.Walk(func(key []byte, val cid.Cid) error {
		coll, rk, ok := splitPath(string(key))
		if !ok {
			return nil // no collection named: cannot be asked for
		}
		nsid, err := syntax.ParseNSID(coll)
		if err != nil || !wanted(nsid) {
			return nil // not asked for (a bad NSID cannot be asked for)
		}
		rkey, err := syntax.ParseRecordKey(rk)
		if err != nil {
			return fmt.Errorf("%w: path %q: %w", ErrFailed, key, err)
		}
		blk, err := r.RecordStore.Get(ctx, val)
		if err != nil {
			return fmt.Errorf("%w: record %s/%s: %w", ErrFailed, did, key, err)
		}
		return yield(Record{Collection: nsid, RKey: rkey, CID: val, CBOR: blk.RawData()})
	})
	if err != nil {
		return "", fmt.Errorf("walk repository of %s: %w", did, err)
	}
	return commit.Rev, nil
}
