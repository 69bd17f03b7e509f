package backfill

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/collection"
	"github.com/statusphere/statusphere/internal/lease"
	"github.com/statusphere/statusphere/internal/pds"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/verify"
)

// Discovery methods.
const (
	// methodByCollection lists the repositories holding a collection: what
	// a relay offers.
	methodByCollection = "com.atproto.sync.listReposByCollection"
	// methodListRepos lists every repository of a PDS (or relay): the
	// fallback where the first is not implemented.
	methodListRepos = "com.atproto.sync.listRepos"
)

// discoveryPage is one page of a listing.
type discoveryPage struct {
	dids   []syntax.DID // the active repositories listed
	listed int          // repositories listed, inactive ones included
	cursor string       // "" after the last page
	done   bool         // the listing is complete
}

// discover lists the repositories to backfill, page by page from the run's
// cursor; each page's repositories and the cursor after it are stored in
// one transaction, so an interrupted discovery resumes after the last page
// stored. The first page tries listReposByCollection and falls back to
// listRepos when the host does not implement it.
func (b *Backfiller) discover(ctx context.Context, run *store.BackfillRun) error {
	bo := lease.Backoff{Base: b.cfg.RetryMin, Max: b.cfg.RetryMax}
	failures, unanswered := 0, 0
	retry := func(what string, err error) error {
		failures++
		if failures > b.cfg.DiscoveryRetries {
			return fmt.Errorf("backfill: discover repositories on %s: %s: %w", b.cfg.URL, what, err)
		}
		// A host that never answers (no network, no such name, refused)
		// is given up on after a few tries, not after the long backoff
		// meant for a host that answers with errors.
		if pds.Unreachable(err) {
			if unanswered++; unanswered >= unreachableTries {
				return fmt.Errorf("backfill: discover repositories: %s does not answer (%w); check the network and -backfill-url", b.cfg.URL, err)
			}
		}
		wait := bo.Next()
		b.log.Warn("discovery failed; will retry", "what", what, "error", err, "retry_in", wait.Round(time.Millisecond))
		if !lease.Sleep(ctx, wait) {
			return context.Cause(ctx)
		}
		return nil
	}
	for {
		method := run.Method
		if method == "" {
			method = methodByCollection
		}
		page, err := b.listPage(ctx, method, run.Cursor)
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if err != nil {
			if run.Method == "" && method == methodByCollection && notImplemented(err) {
				b.log.Info("the host does not list repositories by collection; listing all its repositories and asking each for statuses",
					"method", methodListRepos, "error", err)
				run.Method = methodListRepos
				continue
			}
			if err := retry(method, err); err != nil {
				return err
			}
			continue
		}
		next := *run
		next.Method, next.Cursor = method, page.cursor
		next.Discovered = page.done
		var added int
		err = b.store.InTx(ctx, func(tx *store.Tx) error {
			var err error
			if added, err = tx.AddBackfillRepos(ctx, page.dids); err != nil {
				return err
			}
			return tx.SaveBackfillRun(ctx, next)
		})
		if err != nil {
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			if err := retry("store a page", err); err != nil {
				return err
			}
			continue
		}
		failures, unanswered = 0, 0
		bo.Reset()
		*run = next
		b.p.discovered(added)
		b.log.Debug("discovered repositories", "method", method, "listed", len(page.dids), "new", added, "cursor", page.cursor)
		if run.Discovered {
			b.p.discovering.Store(false)
			b.log.Info("discovery complete", "method", method, "repos", b.p.total.Load())
			return nil
		}
	}
}

// listPage fetches one page of method from the discovery host. Inactive
// repositories (listRepos says so) are left out. listReposByCollection is
// asked for each registered collection in turn (see collectionCursor).
func (b *Backfiller) listPage(ctx context.Context, method, cursor string) (discoveryPage, error) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.FetchTimeout)
	defer cancel()
	var (
		res  pds.ReposPage
		err  error
		nsid syntax.NSID
		next syntax.NSID // the collection listed after nsid
	)
	if method == methodByCollection {
		nsid, next, cursor = b.collectionCursor(cursor)
		res, err = b.pds.ListReposByCollection(ctx, b.cfg.URL, nsid, cursor, b.cfg.PageSize)
	} else {
		res, err = b.pds.ListRepos(ctx, b.cfg.URL, cursor, b.cfg.PageSize)
	}
	if err != nil {
		return discoveryPage{}, fmt.Errorf("%w: %w", verify.ErrUnavailable, err)
	}
	page := discoveryPage{dids: make([]syntax.DID, 0, len(res.Repos)), listed: res.Listed, cursor: res.Cursor}
	page.done = res.Cursor == "" || res.Cursor == cursor || res.Listed == 0
	if method == methodByCollection {
		page.cursor = string(nsid) + " " + res.Cursor
		if page.done && next != "" {
			page.cursor, page.done = string(next)+" ", false
		}
	}
	for _, r := range res.Repos {
		if r.Active {
			page.dids = append(page.dids, r.DID)
		}
	}
	return page, nil
}

// collectionCursor splits a listReposByCollection position, "<nsid>
// <cursor>", into the collection being listed, the one listed after it
// ("" for the last) and the cursor within it. An empty position starts at
// the first registered collection; a bare cursor (a run stored before
// several collections were listed) continues the status collection.
func (b *Backfiller) collectionCursor(pos string) (nsid, next syntax.NSID, cursor string) {
	nsids := b.collections.NSIDs()
	coll, cursor, ok := strings.Cut(pos, " ")
	switch {
	case pos == "":
		nsid = nsids[0]
	case !ok:
		nsid, cursor = collection.StatusNSID, pos
	default:
		nsid = syntax.NSID(coll)
	}
	if i := slices.Index(nsids, nsid); i >= 0 && i+1 < len(nsids) {
		next = nsids[i+1]
	}
	return nsid, next, cursor
}

// notImplemented reports whether err says the host does not offer the
// method: not found, not implemented, or (a PDS, which proxies methods it
// does not know to its app view) asking for authentication.
func notImplemented(err error) bool {
	name, status := pds.ErrorName(err)
	switch name {
	case "MethodNotImplemented", "XRPCNotSupported", "AuthMissing":
		return true
	}
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented:
		return true
	}
	return false
}

// unreachableTries is how many discovery requests in a row may go
// unanswered before a run gives up.
const unreachableTries = 3
