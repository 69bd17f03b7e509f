package app

import (
	"context"
	"log/slog"
	"net"
	"time"

	atidentity "github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/lexindex"
	"github.com/statusphere/statusphere/internal/store"
)

// lexiconCheckEvery is how often the authority checker looks for
// authorities due for a check.
const lexiconCheckEvery = 2 * time.Second

// WithLexiconTXT replaces the DNS TXT lookup of the lexicon authority
// checker (net.DefaultResolver.LookupTXT): tests answer _lexicon records
// themselves.
func WithLexiconTXT(lookup lexicon.TXTLookup) Option {
	return func(o *options) { o.lexiconTXT = lookup }
}

// newLexiconChecker builds the authority checker of the lexicon index.
func newLexiconChecker(st *store.Store, o options, log *slog.Logger) (*lexindex.Checker, error) {
	lookup := o.lexiconTXT
	if lookup == nil {
		lookup = net.DefaultResolver.LookupTXT
	}
	return lexindex.NewChecker(st, lookup, lexindex.CheckerConfig{}, log.With("component", "lexindex"))
}

// newLexIndex builds the lexicon index the web serves; it fetches records
// by AT-URI (the validate box) through dir and the app's HTTP client.
func newLexIndex(st *store.Store, dir atidentity.Directory, o options) *lexindex.Index {
	return lexindex.New(st).WithFetcher(&lexicon.Resolver{Directory: dir, HTTPClient: o.httpClient})
}

// runLexiconChecker checks lexicon authorities until ctx ends; it is one
// of the parts [App.Run] waits for, so it stops before the store closes.
func (a *App) runLexiconChecker(ctx context.Context) error {
	if a.LexiconChecker != nil {
		a.LexiconChecker.Run(ctx, lexiconCheckEvery)
	}
	return nil
}

// identityRefresher is what the ingester calls on #identity events.
type identityRefresher interface {
	Refresh(ctx context.Context, did syntax.DID) (store.Identity, error)
}

// lexiconRecheck refreshes an identity after #identity and makes the
// lexicon authorities of the DID's schemas (and any it is the authority
// of) due for a check.
type lexiconRecheck struct {
	identityRefresher
	st *store.Store
}

// Refresh implements the ingester's IdentityRefresher.
func (r lexiconRecheck) Refresh(ctx context.Context, did syntax.DID) (store.Identity, error) {
	if err := r.st.RecheckLexiconAuthoritiesOf(ctx, did); err != nil {
		return store.Identity{}, err
	}
	return r.identityRefresher.Refresh(ctx, did)
}
