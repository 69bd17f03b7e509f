package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/atproto/repo"
	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/ipfs/go-cid"

	"github.com/statusphere/statusphere/internal/store"
)

// handleSync handles a #sync event: the repository's state was reset (the
// commit it carries is the new head, without the ops that led there). The
// event's commit is verified; then, if the repository holds or held
// statuses, it is fetched whole (com.atproto.sync.getRepo from the
// account's PDS), verified, and its statuses replace ours. A #sync that
// fails verification is dropped and counted; a fetch that keeps failing is
// logged and counted, and the stream goes on.
func (i *Ingester) handleSync(ctx context.Context, seq int64, evt *comatproto.SyncSubscribeRepos_Sync) error {
	did, err := syntax.ParseDID(evt.Did)
	if err != nil {
		i.m.verificationFailed()
		i.log.Warn("dropping a #sync event with a bad DID", "did", evt.Did, "seq", seq, "error", err)
		i.markHandled(seq)
		return nil
	}
	var commit *repo.Commit
	err = i.retryUnavailable(ctx, did, func() error {
		commit, err = i.verifier.verifySync(ctx, did, evt)
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		i.m.verificationFailed()
		i.log.Warn("dropping a #sync event that failed verification", "did", did, "seq", seq, "error", err)
		i.markHandled(seq)
		return nil
	}
	var (
		changes []change
		prune   bool
	)
	err = i.retryUnavailable(ctx, did, func() error {
		changes, prune, err = i.resyncChanges(ctx, did, commit)
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		i.m.resync(false)
		i.log.Error("could not resync a repository after #sync; its statuses may be stale", "did", did, "seq", seq, "error", err)
		i.markHandled(seq)
		return nil
	}
	if changes == nil && !prune {
		i.markHandled(seq) // nothing of ours, before or after
		return nil
	}
	if err := i.applyResync(ctx, seq, did, changes); err != nil {
		return err
	}
	// Commits up to the #sync's rev are history now; those after it (some
	// already in the fetched state) still apply, idempotently.
	i.verifier.applied(did, commit.Rev)
	i.m.resync(true)
	valid := 0
	for _, c := range changes {
		if !c.remove {
			valid++
		}
	}
	i.log.Info("resynced a repository after #sync", "did", did, "seq", seq, "rev", commit.Rev, "statuses", valid, "invalid", len(changes)-valid)
	return nil
}

// retryUnavailable runs fn, retrying with backoff while it fails with
// errUnavailable, at most VerifyRetries times.
func (i *Ingester) retryUnavailable(ctx context.Context, did syntax.DID, fn func() error) error {
	bo := backoff{base: i.cfg.BackoffMin, max: i.cfg.BackoffMax}
	for attempt := 0; ; attempt++ {
		err := fn()
		if err == nil || !errors.Is(err, errUnavailable) || attempt >= i.cfg.VerifyRetries || ctx.Err() != nil {
			return err
		}
		wait := bo.next()
		i.log.Info("retrying", "did", did, "error", err, "retry_in", wait.Round(time.Millisecond))
		if !sleep(ctx, wait) {
			return ctx.Err()
		}
	}
}

// resyncChanges fetches did's repository if it may hold statuses or we
// hold some of its, verifies it against the signed #sync commit, and
// returns the statuses it holds (invalid ones as removals). prune reports
// that rows we hold may have to go.
func (i *Ingester) resyncChanges(ctx context.Context, did syntax.DID, synced *repo.Commit) (changes []change, prune bool, err error) {
	ident, err := i.verifier.dir.LookupDID(ctx, did)
	if err != nil {
		return nil, false, fmt.Errorf("%w: look up %s: %w", errUnavailable, did, err)
	}
	pds := ident.PDSEndpoint()
	if pds == "" {
		return nil, false, fmt.Errorf("%s has no PDS", did)
	}
	held, err := i.holdsStatuses(ctx, did)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %w", errUnavailable, err)
	}
	if !held {
		// A cheap, unverified hint: only what is fetched and verified below
		// is ever stored, so a lying answer can only make us skip work.
		if n, err := i.countRemoteStatuses(ctx, pds, did); err == nil && n == 0 {
			return nil, false, nil
		}
	}
	commit, r, err := i.fetchRepo(ctx, pds, did)
	if err != nil {
		return nil, false, err
	}
	if commit.DID != did.String() {
		return nil, false, fmt.Errorf("%w: fetched repository is %s's", errVerify, commit.DID)
	}
	if err := i.verifier.checkSignature(ctx, did, commit); err != nil {
		return nil, false, err
	}
	if commit.Rev < synced.Rev {
		return nil, false, fmt.Errorf("%w: fetched repository at rev %s is older than the #sync rev %s", errUnavailable, commit.Rev, synced.Rev)
	}
	now := time.Now().UTC()
	changes = []change{}
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
		row, err := i.statusFromCBOR(did, rkey, val.String(), commit.Rev, blk.RawData(), now)
		if err != nil {
			changes = append(changes, change{action: "update", uri: uri, remove: true, invalid: err})
			return nil
		}
		changes = append(changes, change{action: "update", uri: uri, row: row})
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("walk repository: %w", err)
	}
	return changes, held, nil
}

// authorStatuses is what a store offers to list an author's status URIs;
// with it a resync also removes statuses the repository no longer holds.
type authorStatuses interface {
	StatusURIsByAuthor(ctx context.Context, did syntax.DID) ([]syntax.ATURI, error)
}

// holdsStatuses reports whether we store a status by did.
func (i *Ingester) holdsStatuses(ctx context.Context, did syntax.DID) (bool, error) {
	_, err := i.store.LatestStatus(ctx, did)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	}
	return false, fmt.Errorf("latest status of %s: %w", did, err)
}

// applyResync replaces did's statuses with changes, with the cursor, in one
// transaction.
func (i *Ingester) applyResync(ctx context.Context, seq int64, did syntax.DID, changes []change) error {
	keep := make(map[syntax.ATURI]bool, len(changes))
	for _, c := range changes {
		if !c.remove {
			keep[c.uri] = true
		}
	}
	var stale []syntax.ATURI
	err := i.writeTx(ctx, seq, func(tx *store.Tx) error {
		stale = stale[:0]
		if lister, ok := any(tx).(authorStatuses); ok {
			uris, err := lister.StatusURIsByAuthor(ctx, did)
			if err != nil {
				return err
			}
			for _, u := range uris {
				if !keep[u] {
					stale = append(stale, u)
					if err := tx.DeleteStatus(ctx, u); err != nil {
						return err
					}
				}
			}
		}
		for _, c := range changes {
			var err error
			if c.remove {
				err = tx.DeleteStatus(ctx, c.uri)
			} else {
				err = tx.UpsertStatus(ctx, c.row)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Invalid records met here are logged, not counted: the commits that
	// wrote them were (or will be, on a replay) counted already.
	for _, c := range changes {
		if c.invalid != nil {
			i.log.Info("resync skipped an invalid status record", "uri", c.uri, "seq", seq, "error", c.invalid)
		}
	}
	for _, u := range stale {
		i.m.applyOp("delete")
		i.log.Debug("status gone after resync", "uri", u, "seq", seq)
	}
	return nil
}

// countRemoteStatuses asks the PDS how many status records did has (0 or
// 1: it only needs to know whether there are any).
func (i *Ingester) countRemoteStatuses(ctx context.Context, pds string, did syntax.DID) (int, error) {
	q := url.Values{"repo": {did.String()}, "collection": {Collection}, "limit": {"1"}}
	body, err := i.xrpcGet(ctx, pds, "com.atproto.repo.listRecords", q, 1<<20)
	if err != nil {
		return 0, err
	}
	defer body.Close()
	var out struct {
		Records []json.RawMessage `json:"records"`
	}
	if err := json.NewDecoder(body).Decode(&out); err != nil {
		return 0, fmt.Errorf("listRecords answer: %w", err)
	}
	return len(out.Records), nil
}

// fetchRepo downloads did's whole repository from its PDS.
func (i *Ingester) fetchRepo(ctx context.Context, pds string, did syntax.DID) (*repo.Commit, *repo.Repo, error) {
	ctx, cancel := context.WithTimeout(ctx, i.cfg.ResyncTimeout)
	defer cancel()
	body, err := i.xrpcGet(ctx, pds, "com.atproto.sync.getRepo", url.Values{"did": {did.String()}}, i.cfg.MaxRepoBytes)
	if err != nil {
		return nil, nil, err
	}
	defer body.Close()
	commit, r, err := repo.LoadRepoFromCAR(ctx, body)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: repository of %s: %w", errUnavailable, did, err)
	}
	return commit, r, nil
}

// xrpcGet GETs an XRPC query on host and returns its body, at most limit
// bytes of it. Failures are errUnavailable (worth retrying).
func (i *Ingester) xrpcGet(ctx context.Context, host, method string, q url.Values, limit int64) (io.ReadCloser, error) {
	u := strings.TrimSuffix(host, "/") + "/xrpc/" + method + "?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	req.Header.Set("User-Agent", i.cfg.UserAgent)
	resp, err := i.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", errUnavailable, method, err)
	}
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		return nil, fmt.Errorf("%w: %s: %s: %s", errUnavailable, method, resp.Status, msg)
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(resp.Body, limit), resp.Body}, nil
}
