package app

import (
	"context"
	"fmt"
	"net/http"

	atidentity "github.com/bluesky-social/indigo/atproto/identity"

	"github.com/statusphere/statusphere"
	"github.com/statusphere/statusphere/internal/collection"
	"github.com/statusphere/statusphere/internal/config"
	"github.com/statusphere/statusphere/internal/identity"
	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/verify"
)

// core is what serve, ingest and backfill share, built once by openCore.
type core struct {
	store   *store.Store
	catalog *lexicon.Catalog
	// dir resolves identities with handles verified both ways (web,
	// OAuth, the identity resolver).
	dir atidentity.Directory
	// dids resolves DID documents only, never a handle: the signing keys
	// and PDSes of ingest and backfill, so slow DNS never stalls them.
	dids verify.DIDResolver
	// collections are the collections stored, each with its handler.
	collections *collection.Registry
	client      *http.Client
}

// openCore opens (and migrates) the database, loads the lexicons and
// builds the identity resolvers and the collection handlers. The caller
// closes core.store.
func openCore(ctx context.Context, cfg config.Config, o options) (*core, error) {
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", databaseName(cfg.DatabaseURL), err)
	}
	cat, err := lexicon.Load(statusphere.Lexicons)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("load lexicons: %w", err)
	}
	dir, err := identity.NewDirectory(identity.Config{
		PLCURL: cfg.PLCURL, HTTPClient: o.httpClient, LocalHandleSuffixes: o.localSuffixes, UserAgent: userAgent,
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	dids := &atidentity.BaseDirectory{PLCURL: cfg.PLCURL, UserAgent: userAgent}
	if o.httpClient != nil {
		dids.HTTPClient = *o.httpClient
	}
	reg := collection.Default(cat)
	reg.Register(collection.LexiconSchemaNSID, collection.NewLexiconSchema()) // the lexicon index
	return &core{store: st, catalog: cat, dir: dir, dids: dids, collections: reg, client: o.httpClient}, nil
}
