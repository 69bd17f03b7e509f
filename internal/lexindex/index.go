package lexindex

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store"
)

// ErrNotFound is returned (wrapped) when an NSID has no authoritative
// schema in the index, or a record or version asked for does not exist.
var ErrNotFound = errors.New("lexicon not found")

// Store is the part of the database the index reads; *store.Store has it.
type Store interface {
	AuthoritativeLexicon(ctx context.Context, nsid syntax.NSID) (store.LexiconRecord, store.LexiconVersion, error)
	LexiconCopies(ctx context.Context, nsid syntax.NSID) ([]store.LexiconRecord, error)
	LexiconVersions(ctx context.Context, uri syntax.ATURI) ([]store.LexiconVersion, error)
	LexiconUsedBy(ctx context.Context, nsid syntax.NSID, limit int) ([]store.LexiconRecord, error)
	SearchLexicons(ctx context.Context, prefix string, limit int) ([]store.LexiconRecord, error)
	LexiconsByAuthority(ctx context.Context, authority string, limit int) ([]store.LexiconRecord, error)
	RecentLexicons(ctx context.Context, limit int) ([]store.LexiconRecord, error)
	InvalidLexicons(ctx context.Context, limit int) ([]store.LexiconRecord, error)
	LexiconCounts(ctx context.Context) (store.LexiconCounts, error)
	LexiconAuthorities(ctx context.Context, limit int) ([]store.AuthorityCount, error)
	LexiconAuthority(ctx context.Context, authority string) (store.LexiconAuthority, error)
}

// countsTTL is how long the index page's counts are reused: counting
// walks the whole index (tens of milliseconds at 100,000 versions), and a
// count a few seconds old is as good.
const countsTTL = 10 * time.Second

// Index answers questions about the indexed lexicons. It is safe for
// concurrent use.
type Index struct {
	st    Store
	now   func() time.Time
	fetch RecordFetcher // nil: records are not fetched by AT-URI

	mu       sync.Mutex
	counts   store.LexiconCounts
	countsAt time.Time
}

// New returns the index over st.
func New(st Store) *Index { return &Index{st: st, now: time.Now} }

// Counts returns the index's counts, at most countsTTL old.
func (x *Index) Counts(ctx context.Context) (store.LexiconCounts, error) {
	now := x.now()
	x.mu.Lock()
	c, at := x.counts, x.countsAt
	x.mu.Unlock()
	if !at.IsZero() && now.Sub(at) < countsTTL {
		return c, nil
	}
	c, err := x.st.LexiconCounts(ctx)
	if err != nil {
		return store.LexiconCounts{}, err
	}
	x.mu.Lock()
	x.counts, x.countsAt = c, now
	x.mu.Unlock()
	return c, nil
}

// Resolved is the authoritative schema of an NSID: the answer of
// com.atproto.lexicon.resolveLexicon.
type Resolved struct {
	URI    syntax.ATURI    `json:"uri"`
	CID    string          `json:"cid"`
	Schema json.RawMessage `json:"schema"`
}

// Resolve returns nsid's authoritative schema; an error matching
// ErrNotFound when the index has none (unknown, only copies by other
// DIDs, deleted, invalid, or the authority is unknown or its lookup
// failed).
func (x *Index) Resolve(ctx context.Context, nsid syntax.NSID) (Resolved, error) {
	rec, v, err := x.st.AuthoritativeLexicon(ctx, nsid)
	if errors.Is(err, store.ErrNotFound) {
		return Resolved{}, fmt.Errorf("%w: %s", ErrNotFound, nsid)
	}
	if err != nil {
		return Resolved{}, err
	}
	return Resolved{URI: rec.URI, CID: rec.CID, Schema: v.Schema}, nil
}

// Overview is the data of the index page.
type Overview struct {
	Counts      store.LexiconCounts
	Authorities []store.AuthorityCount
	Recent      []store.LexiconRecord
	Invalid     []store.LexiconRecord
	// Query and Results: the records whose NSID starts with Query (or, for
	// Authority, the records of that authority).
	Query     string
	Authority string
	Results   []store.LexiconRecord
}

// Overview limits.
const (
	overviewList   = 50
	overviewSearch = 200
)

// Overview gathers the index page: counts (see [Index.Counts]), authorities, recently updated
// and invalid records, and the results of query (an NSID or a prefix) or
// of authority, when given.
func (x *Index) Overview(ctx context.Context, query, authority string) (*Overview, error) {
	o := &Overview{Query: query, Authority: authority}
	var err error
	if o.Counts, err = x.Counts(ctx); err != nil {
		return nil, err
	}
	if o.Authorities, err = x.st.LexiconAuthorities(ctx, overviewList); err != nil {
		return nil, err
	}
	if o.Recent, err = x.st.RecentLexicons(ctx, overviewList); err != nil {
		return nil, err
	}
	if o.Invalid, err = x.st.InvalidLexicons(ctx, overviewList); err != nil {
		return nil, err
	}
	switch {
	case query != "":
		o.Results, err = x.st.SearchLexicons(ctx, query, overviewSearch)
	case authority != "":
		o.Results, err = x.st.LexiconsByAuthority(ctx, authority, overviewSearch)
	}
	if err != nil {
		return nil, err
	}
	return o, nil
}
