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
	verifier *verify.Verifier
	reg      *Registry
	pds      *pds.Client
	timeout  time.Duration // one getRepo
	maxBytes int64         // largest repository accepted
}

// NewFetcher returns a fetcher of the records of reg's collections;
// timeout bounds one getRepo and maxBytes the size of a repository.
func NewFetcher(v *verify.Verifier, reg *Registry, client *pds.Client, timeout time.Duration, maxBytes int64) *Fetcher {
	return &Fetcher{verifier: v, reg: reg, pds: client, timeout: timeout, maxBytes: maxBytes}
}

// Snapshot is what a verified repository holds of the registered
// collections at one revision.
type Snapshot struct {
	DID     syntax.DID
	Rev     string
	Records []Record
}

// PDS returns the PDS endpoint in did's DID document.
func (f *Fetcher) PDS(ctx context.Context, did syntax.DID) (string, error) {
	return f.verifier.PDS(ctx, did)
}

// Fetch downloads did's repository from host, has it verified (see
// verify.Verifier.Snapshot) and returns its records of the registered
// collections. Failures wrap verify.ErrUnavailable (worth retrying) or
// verify.ErrFailed.
func (f *Fetcher) Fetch(ctx context.Context, host string, did syntax.DID) (*Snapshot, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	body, err := f.pds.GetRepo(ctx, host, did, f.maxBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", verify.ErrUnavailable, err)
	}
	defer body.Close()
	now := time.Now().UTC()
	snap := &Snapshot{DID: did}
	snap.Rev, err = f.verifier.Snapshot(ctx, did, body, f.reg.Wants, func(rec verify.Record) error {
		snap.Records = append(snap.Records, Record{
			DID: did, Collection: rec.Collection, RKey: rec.RKey, CID: rec.CID.String(), CBOR: rec.CBOR, IndexedAt: now,
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range snap.Records {
		snap.Records[i].Rev = snap.Rev
	}
	return snap, nil
}

// HasRecords asks the PDS whether did's repository holds any record of a
// registered collection (com.atproto.repo.listRecords, one per
// collection). The answer is an unverified hint, only good for skipping
// work: what is stored is what Fetch verified.
func (f *Fetcher) HasRecords(ctx context.Context, host string, did syntax.DID) (bool, error) {
	for _, nsid := range f.reg.NSIDs() {
		page, err := f.pds.ListRecords(ctx, host, did, nsid, "", 1)
		if err != nil {
			return false, fmt.Errorf("%w: %w", verify.ErrUnavailable, err)
		}
		if len(page.Records) > 0 {
			return true, nil
		}
	}
	return false, nil
}

// ApplySnapshot makes snap the repository's state in tx: it advances the
// repository's revision to the snapshot's (refusing, with applied false
// and nothing written, when a newer revision is applied already) and hands
// every registered collection its records (Registry.Replace).
func ApplySnapshot(ctx context.Context, tx *store.Tx, reg *Registry, snap *Snapshot) (results []Result, applied bool, err error) {
	applied, err = tx.WriteAtRev(ctx, snap.DID, snap.Rev, true, func() error {
		var err error
		results, err = reg.Replace(ctx, tx, snap.DID, snap.Records)
		return err
	})
	if err != nil || !applied {
		return nil, false, err
	}
	return results, true, nil
}

// Counts returns how many of results are records skipped as invalid, and
// how many of the snapshot's records are valid.
func (s *Snapshot) Counts(results []Result) (valid, invalid int) {
	for _, r := range results {
		if r.Invalid != nil {
			invalid++
		}
	}
	return len(s.Records) - invalid, invalid
}
