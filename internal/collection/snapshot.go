package collection

import (
	"context"
	"fmt"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/pds"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/verify"
)

// Fetcher downloads whole repositories (com.atproto.sync.getRepo) from the
// PDS their DID document names and has them verified: the resync after
// #sync and the backfill share it.
type Fetcher struct {
	verifier  *verify.Verifier
	validator Validator
	pds       *pds.Client
	timeout   time.Duration // one getRepo
	maxBytes  int64         // largest repository accepted
}

// NewFetcher returns a fetcher; timeout bounds one getRepo and maxBytes
// the size of a repository.
func NewFetcher(v *verify.Verifier, validator Validator, client *pds.Client, timeout time.Duration, maxBytes int64) *Fetcher {
	return &Fetcher{verifier: v, validator: validator, pds: client, timeout: timeout, maxBytes: maxBytes}
}

// Snapshot is what a verified repository holds of the status collection
// at one revision.
type Snapshot struct {
	DID     syntax.DID
	Rev     string
	Changes []Change // an upsert per valid status, a removal per invalid one
}

// Counts returns how many records of the snapshot are valid and invalid.
func (s *Snapshot) Counts() (valid, invalid int) {
	for _, c := range s.Changes {
		if c.Invalid != nil {
			invalid++
		} else {
			valid++
		}
	}
	return valid, invalid
}

// PDS returns the PDS endpoint in did's DID document.
func (f *Fetcher) PDS(ctx context.Context, did syntax.DID) (string, error) {
	return f.verifier.PDS(ctx, did)
}

// Fetch downloads did's repository from pds, has it verified (see
// verify.Verifier.Snapshot), and returns the statuses it holds, each
// validated against the lexicon. Failures wrap verify.ErrUnavailable
// (worth retrying) or verify.ErrFailed.
func (f *Fetcher) Fetch(ctx context.Context, pds string, did syntax.DID) (*Snapshot, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	body, err := f.pds.GetRepo(ctx, pds, did, f.maxBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", verify.ErrUnavailable, err)
	}
	defer body.Close()
	now := time.Now().UTC()
	snap := &Snapshot{DID: did, Changes: []Change{}}
	wanted := func(nsid syntax.NSID) bool { return nsid == StatusNSID }
	var rev string
	rev, err = f.verifier.Snapshot(ctx, did, body, wanted, func(rec verify.Record) error {
		uri := StatusURI(did, rec.RKey)
		row, err := StatusFromCBOR(f.validator, did, rec.RKey, rec.CID.String(), "", rec.CBOR, now)
		if err != nil {
			snap.Changes = append(snap.Changes, Change{Action: "update", URI: uri, Remove: true, Invalid: err})
			return nil
		}
		snap.Changes = append(snap.Changes, Change{Action: "update", URI: uri, Row: row})
		return nil
	})
	if err != nil {
		return nil, err
	}
	snap.Rev = rev
	for i := range snap.Changes {
		if !snap.Changes[i].Remove {
			snap.Changes[i].Row.Rev = rev
		}
	}
	return snap, nil
}

// ApplySnapshot makes the snapshot the repository's state in tx: it
// advances the repository's revision to the snapshot's (refusing, with
// applied false and nothing written, when a newer revision is applied
// already), removes the author's rows the snapshot does not hold, and
// upserts the rest. It returns the URIs of the rows it removed that were
// not invalid records of the snapshot.
func ApplySnapshot(ctx context.Context, tx *store.Tx, snap *Snapshot) (removed []syntax.ATURI, applied bool, err error) {
	ok, err := tx.AdvanceRepoRev(ctx, snap.DID, snap.Rev, true)
	if err != nil || !ok {
		return nil, false, err
	}
	inSnap := make(map[syntax.ATURI]bool, len(snap.Changes))
	for _, c := range snap.Changes {
		inSnap[c.URI] = true
	}
	held, err := tx.StatusURIsByAuthor(ctx, snap.DID)
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
	for _, c := range snap.Changes {
		if c.Remove {
			err = tx.DeleteStatus(ctx, c.URI)
		} else {
			err = tx.UpsertStatus(ctx, c.Row)
		}
		if err != nil {
			return nil, false, err
		}
	}
	return removed, true, nil
}

// CountRemote asks the PDS how many status records did has (0 or
// 1: it only needs to know whether there are any). The answer is an
// unverified hint.
func (f *Fetcher) CountRemote(ctx context.Context, pds string, did syntax.DID) (int, error) {
	page, err := f.pds.ListRecords(ctx, pds, did, StatusNSID, "", 1)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", verify.ErrUnavailable, err)
	}
	return len(page.Records), nil
}
