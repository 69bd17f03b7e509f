package verify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bluesky-social/indigo/atproto/atcrypto"
	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/repo"
	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/hashicorp/golang-lru/v2/expirable"
)

const (
	cacheSize = 50_000
	cacheTTL  = time.Hour
	// keyRecheckAfter is how old a cached key must be before a signature
	// that fails against it makes us fetch the DID document again (a missed
	// key rotation); younger keys are trusted, so forged commits cannot make
	// us hammer the DID directory.
	keyRecheckAfter = 30 * time.Second
)

// DIDResolver fetches DID documents; indigo's identity.BaseDirectory and
// identity.MockDirectory have it. It must not resolve handles.
type DIDResolver interface {
	ResolveDID(ctx context.Context, did syntax.DID) (*identity.DIDDocument, error)
}

// account is what a DID document says that verification needs, and when
// it was fetched.
type account struct {
	key     atcrypto.PublicKey
	pds     string
	fetched time.Time
}

// Verifier checks commits and repositories against the signing keys of
// their accounts. It is safe for concurrent use.
type Verifier struct {
	dids     DIDResolver
	accounts *expirable.LRU[syntax.DID, account]
	// revs is the rev of the last commit applied per repository: a signed
	// commit stays valid forever, so an older one sent again (a replay that
	// would resurrect a deleted record) must be refused.
	revs *expirable.LRU[syntax.DID, string]
	now  func() time.Time
}

// New returns a verifier that reads DID documents from dids.
func New(dids DIDResolver) *Verifier {
	return &Verifier{
		dids:     dids,
		accounts: expirable.NewLRU[syntax.DID, account](cacheSize, nil, cacheTTL),
		revs:     expirable.NewLRU[syntax.DID, string](cacheSize, nil, 0),
		now:      time.Now,
	}
}

// Forget drops did's cached signing key and PDS (after an #identity event:
// the next check fetches its DID document again). A resolver with a cache
// of its own (a Purge method, as identity.Directory has) is purged too.
func (v *Verifier) Forget(ctx context.Context, did syntax.DID) {
	v.accounts.Remove(did)
	if p, ok := v.dids.(interface {
		Purge(ctx context.Context, id syntax.AtIdentifier) error
	}); ok {
		_ = p.Purge(ctx, did.AtIdentifier()) // a resolver without a cache has nothing to purge
	}
}

// PDS returns the PDS endpoint did's DID document names.
func (v *Verifier) PDS(ctx context.Context, did syntax.DID) (string, error) {
	a, err := v.account(ctx, did, false)
	if err != nil {
		return "", err
	}
	if a.pds == "" {
		return "", fmt.Errorf("%w: %s has no PDS", ErrFailed, did)
	}
	return a.pds, nil
}

// checkSignature verifies commit's signature with did's signing key. A
// failure against a key cached a while ago fetches the DID document again
// once, in case the key was rotated and the #identity event missed.
func (v *Verifier) checkSignature(ctx context.Context, did syntax.DID, commit *repo.Commit) error {
	a, err := v.account(ctx, did, false)
	if err != nil {
		return err
	}
	err = commit.VerifySignature(a.key)
	if err == nil {
		return nil
	}
	if v.now().Sub(a.fetched) < keyRecheckAfter {
		return fmt.Errorf("%w: signature: %w", ErrFailed, err)
	}
	fresh, ferr := v.account(ctx, did, true)
	if ferr != nil {
		return ferr
	}
	if err := commit.VerifySignature(fresh.key); err != nil {
		return fmt.Errorf("%w: signature: %w", ErrFailed, err)
	}
	return nil
}

// account returns did's signing key and PDS, from the cache unless fresh
// is set. Only the DID document is read: no handle is resolved.
func (v *Verifier) account(ctx context.Context, did syntax.DID, fresh bool) (account, error) {
	if !fresh {
		if a, ok := v.accounts.Get(did); ok {
			return a, nil
		}
	} else {
		v.Forget(ctx, did)
	}
	doc, err := v.dids.ResolveDID(ctx, did)
	if err != nil {
		if errors.Is(err, identity.ErrDIDNotFound) {
			return account{}, fmt.Errorf("%w: DID %s: %w", ErrFailed, did, err)
		}
		return account{}, fmt.Errorf("%w: resolve %s: %w", ErrUnavailable, did, err)
	}
	ident := identity.ParseIdentity(doc)
	if ident.DID != did {
		return account{}, fmt.Errorf("%w: the DID document of %s is %s's", ErrFailed, did, ident.DID)
	}
	key, err := ident.PublicKey()
	if err != nil {
		return account{}, fmt.Errorf("%w: signing key of %s: %w", ErrFailed, did, err)
	}
	a := account{key: key, pds: ident.PDSEndpoint(), fetched: v.now()}
	v.accounts.Add(did, a)
	return a, nil
}

// CheckRev refuses (with ErrFailed) a commit whose rev is not newer than
// the last one [Verifier.Applied] recorded for its repository.
func (v *Verifier) CheckRev(did syntax.DID, rev string) error {
	if last, ok := v.revs.Get(did); ok && rev <= last {
		return fmt.Errorf("%w: rev %s is not newer than %s, already applied (a replayed commit)", ErrFailed, rev, last)
	}
	return nil
}

// Applied records the rev of a commit (or repository snapshot) stored.
func (v *Verifier) Applied(did syntax.DID, rev string) {
	if last, ok := v.revs.Get(did); !ok || rev > last {
		v.revs.Add(did, rev)
	}
}
