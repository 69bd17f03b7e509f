package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/atproto/atcrypto"
	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/repo"
	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/ipfs/go-cid"
)

var (
	// errVerify marks a commit that failed verification: a final verdict,
	// the commit is dropped.
	errVerify = errors.New("verification failed")
	// errUnavailable marks work that could not be done now (a DID document
	// or a repository could not be fetched): worth retrying.
	errUnavailable = errors.New("unavailable")
)

const (
	keyCacheSize = 50_000
	keyCacheTTL  = time.Hour
	// keyRecheckAfter is how old a cached key must be before a signature
	// that fails against it makes us fetch the DID document again (a missed
	// key rotation); younger keys are trusted, so forged commits cannot make
	// us hammer the DID directory.
	keyRecheckAfter = 30 * time.Second
)

// cachedKey is an account's signing key and when it was fetched.
type cachedKey struct {
	key     atcrypto.PublicKey
	fetched time.Time
}

// verifier checks commits: their structure and ops against their blocks,
// and their signature against the account's current signing key.
type verifier struct {
	dir  identity.Directory
	keys *expirable.LRU[syntax.DID, cachedKey]
	// revs is the rev of the last commit applied per repository: a signed
	// commit stays valid forever, so an older one sent again (a replay that
	// would resurrect a deleted status) must be refused.
	revs *expirable.LRU[syntax.DID, string]
	now  func() time.Time
}

func newVerifier(dir identity.Directory) *verifier {
	return &verifier{
		dir:  dir,
		keys: expirable.NewLRU[syntax.DID, cachedKey](keyCacheSize, nil, keyCacheTTL),
		revs: expirable.NewLRU[syntax.DID, string](keyCacheSize, nil, 0),
		now:  time.Now,
	}
}

// checkRev refuses a commit whose rev is not newer than the last one
// applied for its repository.
func (v *verifier) checkRev(did syntax.DID, rev string) error {
	if last, ok := v.revs.Get(did); ok && rev <= last {
		return fmt.Errorf("%w: rev %s is not newer than %s, already applied (a replayed commit)", errVerify, rev, last)
	}
	return nil
}

// applied records the rev of a commit (or resynced repository) applied.
func (v *verifier) applied(did syntax.DID, rev string) {
	if last, ok := v.revs.Get(did); !ok || rev > last {
		v.revs.Add(did, rev)
	}
}

// verifyCommit checks evt completely and returns the repository slice its
// blocks hold (records readable by path). The error wraps errVerify when the
// commit is bad, errUnavailable when the signing key could not be fetched.
func (v *verifier) verifyCommit(ctx context.Context, did syntax.DID, evt *comatproto.SyncSubscribeRepos_Commit) (*repo.Repo, error) {
	if evt.TooBig {
		return nil, fmt.Errorf("%w: tooBig commit without its blocks", errVerify)
	}
	if len(evt.Blocks) == 0 {
		return nil, fmt.Errorf("%w: commit without blocks", errVerify)
	}
	// Ops against the blocks: each create/update CID is the MST's value at
	// its path, and inverting the ops yields prevData.
	r, err := repo.VerifyCommitMessage(ctx, evt)
	if err != nil {
		return nil, fmt.Errorf("%w: commit message: %w", errVerify, err)
	}
	commit, root, err := repo.LoadCommitFromCAR(ctx, bytes.NewReader(evt.Blocks))
	if err != nil {
		return nil, fmt.Errorf("%w: commit block: %w", errVerify, err)
	}
	if !root.Equals(cid.Cid(evt.Commit)) {
		return nil, fmt.Errorf("%w: commit CID %s is not the CAR root %s", errVerify, cid.Cid(evt.Commit), root)
	}
	if commit.DID != did.String() {
		return nil, fmt.Errorf("%w: commit is signed for %s, not %s", errVerify, commit.DID, did)
	}
	if err := v.checkSignature(ctx, did, commit); err != nil {
		return nil, err
	}
	return r, nil
}

// checkSignature verifies commit's signature with did's signing key. A
// failure against a key cached a while ago fetches the DID document again
// once, in case the key was rotated and the #identity event missed.
func (v *verifier) checkSignature(ctx context.Context, did syntax.DID, commit *repo.Commit) error {
	k, err := v.signingKey(ctx, did, false)
	if err != nil {
		return err
	}
	err = commit.VerifySignature(k.key)
	if err == nil {
		return nil
	}
	if v.now().Sub(k.fetched) < keyRecheckAfter {
		return fmt.Errorf("%w: signature: %w", errVerify, err)
	}
	fresh, ferr := v.signingKey(ctx, did, true)
	if ferr != nil {
		return ferr
	}
	if err := commit.VerifySignature(fresh.key); err != nil {
		return fmt.Errorf("%w: signature: %w", errVerify, err)
	}
	return nil
}

// signingKey returns did's atproto signing key, from the cache unless
// fresh is set (then the directory's own cache is purged too).
func (v *verifier) signingKey(ctx context.Context, did syntax.DID, fresh bool) (cachedKey, error) {
	if !fresh {
		if k, ok := v.keys.Get(did); ok {
			return k, nil
		}
	} else {
		v.purge(ctx, did)
	}
	ident, err := v.dir.LookupDID(ctx, did)
	if err != nil {
		if errors.Is(err, identity.ErrDIDNotFound) {
			return cachedKey{}, fmt.Errorf("%w: DID %s: %w", errVerify, did, err)
		}
		return cachedKey{}, fmt.Errorf("%w: look up %s: %w", errUnavailable, did, err)
	}
	key, err := ident.PublicKey()
	if err != nil {
		return cachedKey{}, fmt.Errorf("%w: signing key of %s: %w", errVerify, did, err)
	}
	k := cachedKey{key: key, fetched: v.now()}
	v.keys.Add(did, k)
	return k, nil
}

// purge forgets did's cached key and asks the directory to forget it too.
func (v *verifier) purge(ctx context.Context, did syntax.DID) {
	v.keys.Remove(did)
	_ = v.dir.Purge(ctx, did.AtIdentifier()) // a directory without a cache has nothing to purge
}

// verifySync checks a #sync event's commit (the only block it carries) and
// returns it.
func (v *verifier) verifySync(ctx context.Context, did syntax.DID, evt *comatproto.SyncSubscribeRepos_Sync) (*repo.Commit, error) {
	commit, _, err := repo.LoadCommitFromCAR(ctx, bytes.NewReader(evt.Blocks))
	if err != nil {
		return nil, fmt.Errorf("%w: sync commit block: %w", errVerify, err)
	}
	if commit.DID != did.String() || commit.Rev != evt.Rev {
		return nil, fmt.Errorf("%w: sync commit is for %s rev %s, the event says %s rev %s", errVerify, commit.DID, commit.Rev, did, evt.Rev)
	}
	if err := v.checkSignature(ctx, did, commit); err != nil {
		return nil, err
	}
	return commit, nil
}
