package lexindex_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/collection"
	"github.com/statusphere/statusphere/internal/lexindex"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/store/storetest"
)

// Shape of the benchmark index: benchAuthorities authorities of
// benchPerAuthority NSIDs each, every NSID published in benchVersions
// versions by its authority (benchAuthorities × benchPerAuthority ×
// benchVersions = 100,000 versions). Every schema refers to the hub
// schema, so "used by" of the hub lists 25,000 records.
const (
	benchAuthorities  = 1_000
	benchPerAuthority = 25
	benchVersions     = 4
	benchHub          = syntax.NSID("com.bench0.n0")
)

func benchNSID(a, n int) syntax.NSID { return syntax.NSID(fmt.Sprintf("com.bench%d.n%d", a, n)) }

func benchDID(a int) syntax.DID { return syntax.DID(fmt.Sprintf("did:plc:bench%019d", a)) }

// loadBench fills st through the handler's store method, one transaction
// per authority.
func loadBench(b *testing.B, st *store.Store) {
	ctx := b.Context()
	now := time.Now().UTC()
	for a := range benchAuthorities {
		err := st.InTx(ctx, func(tx *store.Tx) error {
			for n := range benchPerAuthority {
				nsid := benchNSID(a, n)
				for v := range benchVersions {
					js := fmt.Sprintf(`{"$type":"com.atproto.lexicon.schema","lexicon":1,"id":%q,"defs":{"main":{"type":"record","key":"tid",
						"record":{"type":"object","properties":{"hub":{"type":"ref","ref":%q},"v%d":{"type":"string","maxLength":%d}}}}}}`,
						nsid, benchHub, v, 100-v)
					rec := collection.Record{DID: benchDID(a), Collection: collection.LexiconSchemaNSID, RKey: syntax.RecordKey(nsid),
						CID: fmt.Sprintf("bafy%d-%d-%d", a, n, v), Rev: fmt.Sprintf("3aaa%09d", v), JSON: []byte(js), IndexedAt: now}
					row, ver, refs, invalid := collection.LexiconVersion(rec)
					if invalid != nil {
						return invalid
					}
					if _, err := tx.PutLexiconVersion(ctx, row, ver, refs); err != nil {
						return err
					}
				}
			}
			return tx.SetLexiconAuthority(ctx, store.LexiconAuthority{Authority: fmt.Sprintf("bench%d.com", a), DID: benchDID(a),
				State: store.AuthorityFound, CheckedAt: now})
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLexiconIndex times resolution, the index page (its counts
// reused for countsTTL, as served; counts_uncached is their cost), a
// schema page and reverse references on an index of 100,000 schema
// versions, on SQLite and PostgreSQL.
func BenchmarkLexiconIndex(b *testing.B) {
	for _, dialect := range storetest.Dialects() {
		b.Run(dialect, func(b *testing.B) {
			st := storetest.Open(b, dialect)
			start := time.Now()
			loadBench(b, st)
			ctx := b.Context()
			c, err := st.LexiconCounts(ctx)
			if err != nil || c.Versions != benchAuthorities*benchPerAuthority*benchVersions {
				b.Fatalf("loaded %+v (%v)", c, err)
			}
			b.Logf("%s: loaded %d versions in %v", dialect, c.Versions, time.Since(start).Round(time.Millisecond))
			if err := st.Analyze(ctx); err != nil { // as autovacuum would, after such a load
				b.Fatal(err)
			}
			x := lexindex.New(st)
			i := 0
			next := func() syntax.NSID { i++; return benchNSID(i*7919%benchAuthorities, i%benchPerAuthority) }
			b.Run("resolve", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := x.Resolve(ctx, next()); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("index_page", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if o, err := x.Overview(ctx, "com.bench42", ""); err != nil || len(o.Results) == 0 {
						b.Fatal(err)
					}
				}
			})
			b.Run("counts_uncached", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := st.LexiconCounts(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("schema_page", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if p, err := x.Schema(ctx, next(), ""); err != nil || len(p.Versions) != benchVersions {
						b.Fatal(err)
					}
				}
			})
			b.Run("used_by", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if u, err := st.LexiconUsedBy(ctx, benchHub, 200); err != nil || len(u) != 200 {
						b.Fatal(len(u), err)
					}
				}
			})
		})
	}
}
