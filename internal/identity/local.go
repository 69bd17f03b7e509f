package identity

import (
	"context"
	"fmt"
	"strings"

	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/syntax"
)

// localHandles resolves the handles under its SkipDNSDomainSuffixes over
// HTTPS well-known only, and keeps that lookup's error: indigo's
// BaseDirectory.ResolveHandle answers "", nil when it skipped DNS and the
// well-known lookup failed, which loses whether the handle does not exist
// or its host could not be reached.
type localHandles struct {
	*identity.BaseDirectory
}

// LookupHandle implements [identity.Directory].
func (d *localHandles) LookupHandle(ctx context.Context, h syntax.Handle) (*identity.Identity, error) {
	h = h.Normalize()
	if !d.local(h) {
		return d.BaseDirectory.LookupHandle(ctx, h)
	}
	did, err := d.ResolveHandleWellKnown(ctx, h)
	if err != nil {
		return nil, err
	}
	doc, err := d.ResolveDID(ctx, did)
	if err != nil {
		return nil, err
	}
	ident := identity.ParseIdentity(doc)
	declared, err := ident.DeclaredHandle()
	if err != nil {
		return nil, fmt.Errorf("could not verify handle/DID match: %w", err)
	}
	if declared != h {
		return nil, fmt.Errorf("%w: %s != %s", identity.ErrHandleMismatch, declared, h)
	}
	ident.Handle = declared
	return &ident, nil
}

// Lookup implements [identity.Directory].
func (d *localHandles) Lookup(ctx context.Context, a syntax.AtIdentifier) (*identity.Identity, error) {
	if h, err := a.AsHandle(); err == nil {
		return d.LookupHandle(ctx, h)
	}
	return d.BaseDirectory.Lookup(ctx, a)
}

// local reports whether h is under one of the local suffixes.
func (d *localHandles) local(h syntax.Handle) bool {
	for _, suffix := range d.SkipDNSDomainSuffixes {
		if strings.HasSuffix(h.String(), suffix) {
			return true
		}
	}
	return false
}
