package lexindex_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/atdata"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/collection"
	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/lexindex"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/store/storetest"
)

const (
	authorDID = syntax.DID("did:plc:authorauthorauthorauthor")
	copierDID = syntax.DID("did:plc:copiercopiercopiercopier")
)

// schemaDoc is a record schema com.example.<name> with the given
// properties (JSON object members) and required list.
func schemaDoc(nsid, props, required string) string {
	return fmt.Sprintf(`{"$type":"com.atproto.lexicon.schema","lexicon":1,"id":%q,"defs":{"main":{"type":"record","key":"tid",
		"record":{"type":"object","required":[%s],"properties":{%s}}}}}`, nsid, required, props)
}

// put stores a schema record through the handler, as the stream would,
// as CBOR.
func put(t *testing.T, st *store.Store, did syntax.DID, rkey, js, cid, rev string) error {
	t.Helper()
	m, err := atdata.UnmarshalJSON([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	cbor, err := atdata.MarshalCBOR(m)
	if err != nil {
		t.Fatal(err)
	}
	rec := collection.Record{DID: did, Collection: collection.LexiconSchemaNSID, RKey: syntax.RecordKey(rkey), CID: cid, Rev: rev,
		CBOR: cbor, IndexedAt: time.Now().UTC()}
	var invalid error
	err = st.InTx(t.Context(), func(tx *store.Tx) error {
		_, err := tx.WriteAtRev(t.Context(), did, rev, false, func() error {
			var err error
			invalid, err = collection.NewLexiconSchema().Put(t.Context(), tx, rec)
			return err
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return invalid
}

// txt answers _lexicon TXT lookups from a map; a name mapped to "fail"
// fails the lookup.
type txt map[string]string

func (m txt) lookup(_ context.Context, name string) ([]string, error) {
	v, ok := m[name]
	switch {
	case !ok:
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	case v == "fail":
		return nil, &net.DNSError{Err: "i/o timeout", Name: name, IsTimeout: true}
	}
	return []string{v}, nil
}

func seed(t *testing.T, dialect string) *store.Store {
	st := storetest.Open(t, dialect)
	post := "com.example.post"
	v1 := schemaDoc(post, `"text":{"type":"string"},"tag":{"type":"ref","ref":"com.example.tag"}`, `"text"`)
	v2 := schemaDoc(post, `"text":{"type":"string","maxLength":10},"lang":{"type":"string"},"tag":{"type":"ref","ref":"com.example.tag"}`, `"text","lang"`)
	tag := `{"$type":"com.atproto.lexicon.schema","lexicon":1,"id":"com.example.tag","defs":{"main":{"type":"object","required":["name"],"properties":{"name":{"type":"string"}}}}}`
	for _, c := range []struct {
		did                syntax.DID
		rkey, js, cid, rev string
		wantInvalid        bool
	}{
		{authorDID, post, v1, "bafyv1", "3aaa0000000a1", false},
		{authorDID, post, v1, "bafyv1", "3aaa0000000a2", false}, // seen again: no new version
		{authorDID, post, v2, "bafyv2", "3aaa0000000a3", false},
		{authorDID, "com.example.tag", tag, "bafytag", "3aaa0000000a4", false},
		{copierDID, post, v1, "bafycopy", "3aaa0000000b1", false},
		{copierDID, "com.example.bad", schemaDoc("com.example.other", `"a":{"type":"string"}`, ""), "bafybad", "3aaa0000000b2", true},
		{copierDID, "org.failing.thing", schemaDoc("org.failing.thing", `"a":{"type":"string"}`, ""), "bafyfail", "3aaa0000000b3", false},
	} {
		invalid := put(t, st, c.did, c.rkey, c.js, c.cid, c.rev)
		if (invalid != nil) != c.wantInvalid || (invalid != nil && !errors.Is(invalid, collection.ErrInvalid)) {
			t.Fatalf("put %s %s: invalid %v, want invalid %v", c.did, c.rkey, invalid, c.wantInvalid)
		}
	}
	checker, err := lexindex.NewChecker(st, txt{
		"_lexicon.example.com": "did=" + authorDID.String(),
		"_lexicon.failing.org": "fail",
	}.lookup, lexindex.CheckerConfig{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := checker.Pass(t.Context()); err != nil || n != 2 {
		t.Fatalf("checker pass: %d authorities, %v; want 2", n, err)
	}
	return st
}

// TestIndexAuthorityAndVersions: the handler keeps every version once,
// lists an invalid document, and the index serves only the authoritative
// copy, with the breaking verdict of its second version; a failed lookup
// is shown as failed. On SQLite and PostgreSQL.
func TestIndexAuthorityAndVersions(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) { testIndex(t, seed(t, dialect)) })
	}
}

func testIndex(t *testing.T, st *store.Store) {
	ctx := t.Context()
	x := lexindex.New(st)
	res, err := x.Resolve(ctx, "com.example.post")
	if err != nil || res.CID != "bafyv2" || res.URI != collection.URI(authorDID, collection.LexiconSchemaNSID, "com.example.post") {
		t.Fatalf("Resolve(com.example.post) = %+v, %v; want the author's second version", res, err)
	}
	for _, nsid := range []syntax.NSID{"com.example.nothing", "com.example.bad", "org.failing.thing"} {
		if _, err := x.Resolve(ctx, nsid); !errors.Is(err, lexindex.ErrNotFound) {
			t.Errorf("Resolve(%s) = %v, want ErrNotFound", nsid, err)
		}
	}
	page, err := x.Schema(ctx, "com.example.post", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Copies) != 2 || page.Shown.DID != authorDID || lexindex.Verdict(page.Shown) != lexindex.VerdictAuthoritative {
		t.Fatalf("copies %+v shown %+v", page.Copies, page.Shown)
	}
	for _, c := range page.Copies {
		if c.DID == copierDID && lexindex.Verdict(c) != lexindex.VerdictNotAuthority {
			t.Errorf("the copier's copy is %q", lexindex.Verdict(c))
		}
	}
	if len(page.Versions) != 2 || page.Versions[0].Breaking || !page.Versions[1].Breaking || page.Versions[1].Previous != page.Versions[0].ID {
		t.Fatalf("versions %+v: want two, the second breaking against the first", page.Versions)
	}
	if len(page.Uses) != 1 || page.Uses[0] != "com.example.tag" {
		t.Errorf("uses %v", page.Uses)
	}
	tagPage, err := x.Schema(ctx, "com.example.tag", "")
	if err != nil || len(tagPage.UsedBy) != 2 {
		t.Fatalf("com.example.tag used by %+v (%v); want the post schema's two copies", tagPage, err)
	}
	failing, err := x.Schema(ctx, "org.failing.thing", "")
	if err != nil || lexindex.Verdict(failing.Shown) != lexindex.VerdictLookupFailed || failing.Authority.Error == "" {
		t.Errorf("org.failing.thing: %+v, %v; want the failed lookup shown", failing, err)
	}
	o, err := x.Overview(ctx, "com.example.", "")
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.LexiconCounts{NSIDs: 4, Records: 5, Versions: 6, Invalid: 1, Authorities: 2}); o.Counts != want {
		t.Errorf("counts %+v, want %+v", o.Counts, want)
	}
	if len(o.Results) != 4 || len(o.Invalid) != 1 || !strings.Contains(o.Invalid[0].Invalid, "record key") {
		t.Errorf("search results %d, invalid %+v", len(o.Results), o.Invalid)
	}
	d, err := x.Diff(ctx, page.Shown.URI, page.Versions[0].ID, page.Versions[1].ID)
	if err != nil || !d.Breaking || len(d.Lines) == 0 {
		t.Fatalf("diff %+v, %v: want a breaking diff", d, err)
	}
	err = x.Validate(ctx, "com.example.post", []byte(`{"$type":"com.example.post","text":"hi","lang":"en","tag":{"name":7}}`))
	var ve *lexicon.ValidationError
	if !errors.As(err, &ve) || ve.Path != "tag.name" {
		t.Errorf("Validate: %v, want an error at tag.name", err)
	}
	if err := x.Validate(ctx, "com.example.post", []byte(`{"$type":"com.example.post","text":"hi","lang":"en"}`)); err != nil {
		t.Errorf("Validate a good record: %v", err)
	}
	if err := st.RecheckLexiconAuthoritiesOf(ctx, copierDID); err != nil {
		t.Fatal(err)
	}
	due, err := st.DueLexiconAuthorities(ctx, time.Now().Add(-time.Minute), 10)
	if want := []string{"example.com", "failing.org"}; err != nil || !slices.Equal(due, want) {
		t.Errorf("due after the copier's #identity: %v (%v), want %v", due, err, want)
	}
}
