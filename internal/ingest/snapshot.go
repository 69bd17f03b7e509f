package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/bluesky-social/indigo/atproto/repo"
	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/ipfs/go-cid"

	"github.com/statusphere/statusphere/internal/pds"
	"github.com/statusphere/statusphere/internal/store"
)

// fetcher downloads whole repositories (com.atproto.sync.getRepo) from the
// PDS their DID document names and verifies them: the resync after #sync
// and the backfill share it.
type fetcher struct {
	verifier  *verifier
	validator Validator
	pds       *pds.Client
	timeout   time.Duration // one getRepo
	maxBytes  int64         // largest repository accepted
}

// snapshot is what a verified repository holds of our collection at one
// revision.
type snapshot struct {
	did     syntax.DID
	rev     string
	changes []change // an upsert per valid status, a removal per invalid one
}

// counts returns how many records of the snapshot are valid and invalid.
func (s *snapshot) counts() (valid, invalid int) {
	for _, c := range s.changes {
		if c.invalid != nil {
			invalid++
		} else {
			valid++
		}
	}
	return valid, invalid
}

// pdsOf returns the PDS endpoint in did's DID document.
func (f *fetcher) pdsOf(ctx context.Context, did syntax.DID) (string, error) {
	ident, err := f.verifier.dir.LookupDID(ctx, did)
	if err != nil {
		return "", fmt.Errorf("%w: look up %s: %w", errUnavailable, did, err)
	}
	pds := ident.PDSEndpoint()
	if pds == "" {
		return "", fmt.Errorf("%w: %s has no PDS", errVerify, did)
	}
	return pds, nil
}

// fetchSnapshot downloads did's repository from pds, checks that its
// commit is did's and signed with did's current key (the blocks and the
// tree are checked against their hashes as they load), and returns the
// statuses it holds, each validated against the lexicon. Failures wrap
// errUnavailable (worth retrying) or errVerify.
func (f *fetcher) fetchSnapshot(ctx context.Context, pds string, did syntax.DID) (*snapshot, error) {
	commit, r, err := f.fetchRepo(ctx, pds, did)
	if err != nil {
		return nil, err
	}
	if commit.DID != did.String() {
		return nil, fmt.Errorf("%w: fetched repository is %s's", errVerify, commit.DID)
	}
	if err := f.verifier.checkSignature(ctx, did, commit); err != nil {
		return nil, err
	}
	if _, err := syntax.ParseTID(commit.Rev); err != nil {
		return nil, fmt.Errorf("%w: repository rev %q: %w", errVerify, commit.Rev, err)
	}
	now := time.Now().UTC()
	snap := &snapshot{did: did, rev: commit.Rev, changes: []change{}}
	err = r.MST.Walk(func(key []byte, val cid.Cid) error {
		rkeyStr, ok := isOurs(string(key))
		if !ok {
			return nil
		}
		rkey, err := syntax.ParseRecordKey(rkeyStr)
		if err != nil {
			return fmt.Errorf("%w: path %q: %w", errVerify, key, err)
		}
		uri := statusURI(did, rkey)
		blk, err := r.RecordStore.Get(ctx, val)
		if err != nil {
			return fmt.Errorf("%w: record %s: %w", errVerify, uri, err)
		}
		row, err := statusFromCBOR(f.validator, did, rkey, val.String(), commit.Rev, blk.RawData(), now)
		if err != nil {
			snap.changes = append(snap.changes, change{action: "update", uri: uri, remove: true, invalid: err})
			return nil
		}
		snap.changes = append(snap.changes, change{action: "update", uri: uri, row: row})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk repository of %s: %w", did, err)
	}
	return snap, nil
}

// applySnapshot makes the snapshot the repository's state in tx: it
// advances the repository's revision to the snapshot's (refusing, with
// applied false and nothing written, when a newer revision is applied
// already), removes the author's rows the snapshot does not hold, and
// upserts the rest. It returns the URIs of the rows it removed that were
// not invalid records of the snapshot.
func applySnapshot(ctx context.Context, tx *store.Tx, snap *snapshot) (removed []syntax.ATURI, applied bool, err error) {
	ok, err := tx.AdvanceRepoRev(ctx, snap.did, snap.rev, true)
	if err != nil || !ok {
		return nil, false, err
	}
	inSnap := make(map[syntax.ATURI]bool, len(snap.changes))
	for _, c := range snap.changes {
		inSnap[c.uri] = true
	}
	held, err := tx.StatusURIsByAuthor(ctx, snap.did)
	if err != nil {
		return nil, false, err
	}
	for _, u := range held {
		if !inSnap[u] {
			removed = append(removed, u)
			if err := tx.DeleteStatus(ctx, u); err != nil {
				return nil, false, err
			}
		}
	}
	for _, c := range snap.changes {
		if c.remove {
			err = tx.DeleteStatus(ctx, c.uri)
		} else {
			err = tx.UpsertStatus(ctx, c.row)
		}
		if err != nil {
			return nil, false, err
		}
	}
	return removed, true, nil
}

// countRemoteStatuses asks the PDS how many status records did has (0 or
// 1: it only needs to know whether there are any). The answer is an
// unverified hint.
func (f *fetcher) countRemoteStatuses(ctx context.Context, pds string, did syntax.DID) (int, error) {
	page, err := f.pds.ListRecords(ctx, pds, did, collectionNSID, "", 1)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", errUnavailable, err)
	}
	return len(page.Records), nil
}

// fetchRepo downloads did's whole repository from its PDS.
func (f *fetcher) fetchRepo(ctx context.Context, host string, did syntax.DID) (*repo.Commit, *repo.Repo, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	body, err := f.pds.GetRepo(ctx, host, did, f.maxBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errUnavailable, err)
	}
	defer body.Close()
	commit, r, err := repo.LoadRepoFromCAR(ctx, body)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: repository of %s: %w", errUnavailable, did, err)
	}
	return commit, r, nil
}
