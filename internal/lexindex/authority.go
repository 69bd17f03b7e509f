package lexindex

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/store"
)

// CheckerStore is what the authority checker reads and writes;
// *store.Store has it.
type CheckerStore interface {
	DueLexiconAuthorities(ctx context.Context, before time.Time, limit int) ([]string, error)
	SetLexiconAuthority(ctx context.Context, a store.LexiconAuthority) error
}

// CheckerConfig tunes a [Checker]; zero fields take the defaults.
type CheckerConfig struct {
	// Timeout bounds one DNS lookup (default 5 s).
	Timeout time.Duration
	// TTL is how long a TXT answer is cached (default 5 min); FailTTL how
	// long a failed lookup is (default 30 s).
	TTL, FailTTL time.Duration
	// Recheck is how old a verdict may get before it is checked again
	// (default 1 h).
	Recheck time.Duration
	// Batch is how many authorities one pass checks at most (default 100).
	Batch int
}

func (c CheckerConfig) withDefaults() CheckerConfig {
	c.Timeout = cmpOr(c.Timeout, 5*time.Second)
	c.TTL = cmpOr(c.TTL, 5*time.Minute)
	c.FailTTL = cmpOr(c.FailTTL, 30*time.Second)
	c.Recheck = cmpOr(c.Recheck, time.Hour)
	if c.Batch <= 0 {
		c.Batch = 100
	}
	return c
}

func cmpOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Checker decides, for each NSID authority in the index, which DID its
// _lexicon DNS TXT record names (no fallback: no record, no authority),
// and stores the verdict. Lookups are cached and bounded by a timeout.
type Checker struct {
	st    CheckerStore
	cfg   CheckerConfig
	raw   lexicon.TXTLookup
	res   lexicon.Resolver // over the cached lookup
	log   *slog.Logger
	now   func() time.Time
	mu    sync.Mutex
	cache map[string]cachedTXT
}

type cachedTXT struct {
	txts    []string
	err     error
	expires time.Time
}

// NewChecker returns a checker storing verdicts in st, looking TXT records
// up with lookup (net.DefaultResolver.LookupTXT in production; tests
// inject their own).
func NewChecker(st CheckerStore, lookup lexicon.TXTLookup, cfg CheckerConfig, log *slog.Logger) (*Checker, error) {
	if st == nil || lookup == nil || log == nil {
		return nil, errors.New("lexindex: a checker needs a store, a TXT lookup and a logger")
	}
	c := &Checker{st: st, cfg: cfg.withDefaults(), raw: lookup, log: log, now: time.Now, cache: map[string]cachedTXT{}}
	c.res = lexicon.Resolver{LookupTXT: c.lookup}
	return c, nil
}

// lookup is the cached, time-bounded TXT lookup.
func (c *Checker) lookup(ctx context.Context, name string) ([]string, error) {
	now := c.now()
	c.mu.Lock()
	hit, ok := c.cache[name]
	c.mu.Unlock()
	if ok && now.Before(hit.expires) {
		return slices.Clone(hit.txts), hit.err
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	txts, err := c.raw(ctx, name)
	ttl := c.cfg.TTL // an answer, "no such name" included
	var dnsErr *net.DNSError
	if err != nil && !(errors.As(err, &dnsErr) && dnsErr.IsNotFound) {
		ttl = c.cfg.FailTTL
	}
	if ctx.Err() == nil || err == nil { // a cancelled caller is not an answer
		c.mu.Lock()
		c.cache[name] = cachedTXT{txts: txts, err: err, expires: now.Add(ttl)}
		c.mu.Unlock()
	}
	return slices.Clone(txts), err
}

// probeNSID is an NSID under authority (in DNS order): the lexicon
// resolver finds an authority through one of its NSIDs.
func probeNSID(authority string) (syntax.NSID, error) {
	labels := strings.Split(authority, ".")
	slices.Reverse(labels)
	return syntax.ParseNSID(strings.Join(labels, ".") + ".x")
}

// Check looks authority's _lexicon TXT record up (through the cache) and
// returns the verdict: found (with the DID), none, or failed (with the
// error; not a verdict).
func (c *Checker) Check(ctx context.Context, authority string) store.LexiconAuthority {
	v := store.LexiconAuthority{Authority: authority, CheckedAt: c.now().UTC()}
	nsid, err := probeNSID(authority)
	if err != nil {
		v.State, v.Error = store.AuthorityFailed, fmt.Sprintf("%q is not an NSID authority", authority)
		return v
	}
	did, err := c.res.ResolveAuthority(ctx, nsid)
	switch {
	case err == nil:
		v.State, v.DID = store.AuthorityFound, did
	case errors.Is(err, lexicon.ErrNSIDNotFound):
		v.State = store.AuthorityNone
	default:
		v.State, v.Error = store.AuthorityFailed, err.Error()
	}
	return v
}

// Pass checks the authorities due (never checked, or last checked more
// than Recheck ago), one after the other, and stores each verdict. It
// returns how many it checked.
func (c *Checker) Pass(ctx context.Context) (int, error) {
	due, err := c.st.DueLexiconAuthorities(ctx, c.now().Add(-c.cfg.Recheck), c.cfg.Batch)
	if err != nil {
		return 0, err
	}
	for i, a := range due {
		v := c.Check(ctx, a)
		if ctx.Err() != nil {
			return i, context.Cause(ctx)
		}
		if v.State == store.AuthorityFailed {
			c.log.Warn("lexicon authority lookup failed", "authority", a, "error", v.Error)
		}
		if err := c.st.SetLexiconAuthority(ctx, v); err != nil {
			return i, err
		}
	}
	return len(due), nil
}

// Run makes a pass every interval until ctx ends.
func (c *Checker) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := c.Pass(ctx); err != nil && ctx.Err() == nil {
			c.log.Warn("checking lexicon authorities", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
