package collection

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/store/storetest"
)

func schemaRec(did syntax.DID, rkey, js, cid, rev string) Record {
	return Record{DID: did, Collection: LexiconSchemaNSID, RKey: syntax.RecordKey(rkey), CID: cid, Rev: rev, JSON: []byte(js),
		IndexedAt: time.Now().UTC()}
}

// TestLexiconVersionChecks: what makes a schema record invalid.
func TestLexiconVersionChecks(t *testing.T) {
	did := syntax.DID("did:plc:authorauthorauthorauthor")
	good := `{"$type":"com.atproto.lexicon.schema","lexicon":1,"id":"com.example.a","defs":{"main":{"type":"object","properties":{"b":{"type":"ref","ref":"com.example.b#x"}}}}}`
	row, v, refs, invalid := LexiconVersion(schemaRec(did, "com.example.a", good, "c", "r"))
	if invalid != nil || row.Authority != "example.com" || row.NSID != "com.example.a" || len(refs) != 1 || refs[0] != "com.example.b" || v.Invalid != "" {
		t.Fatalf("good schema: %+v %+v %v %v", row, v, refs, invalid)
	}
	for name, c := range map[string]struct{ rkey, js string }{
		"not a lexicon":      {"com.example.a", `{"$type":"com.atproto.lexicon.schema","id":"com.example.a","defs":{}}`},
		"id is not the rkey": {"com.example.z", good},
		"defs do not parse":  {"com.example.a", `{"$type":"com.atproto.lexicon.schema","lexicon":1,"id":"com.example.a","defs":{"main":{"type":"wat"}}}`},
		"rkey not an NSID":   {"self", good},
		"wrong $type":        {"com.example.a", `{"$type":"com.example.thing","lexicon":1,"id":"com.example.a","defs":{}}`},
	} {
		row, v, _, invalid := LexiconVersion(schemaRec(did, c.rkey, c.js, "c", "r"))
		if !errors.Is(invalid, ErrInvalid) || v.Invalid == "" || len(v.Schema) == 0 {
			t.Errorf("%s: invalid %v, version %+v: want it kept, marked invalid", name, invalid, v)
		}
		if wantAuthority := map[bool]string{true: "", false: "example.com"}[c.rkey == "self"]; row.Authority != wantAuthority {
			t.Errorf("%s: authority %q, want %q", name, row.Authority, wantAuthority)
		}
	}
}

// TestLexiconSchemaHandler: versions are kept once per CID, a delete is a
// version, and a snapshot deletes what the repository no longer holds.
func TestLexiconSchemaHandler(t *testing.T) {
	st := storetest.SQLite(t)
	ctx := t.Context()
	did := syntax.DID("did:plc:authorauthorauthorauthor")
	h := NewLexiconSchema()
	doc := func(id string) string {
		return `{"$type":"com.atproto.lexicon.schema","lexicon":1,"id":"` + id + `","defs":{"main":{"type":"token"}}}`
	}
	// inTx runs fn as the write of a commit (or snapshot) at rev.
	inTx := func(rev string, fn func(tx *store.Tx) error) {
		t.Helper()
		err := st.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.WriteAtRev(ctx, did, rev, true, func() error { return fn(tx) })
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	inTx("r3", func(tx *store.Tx) error {
		for _, r := range []Record{
			schemaRec(did, "com.example.a", doc("com.example.a"), "c1", "r1"),
			schemaRec(did, "com.example.a", doc("com.example.a"), "c1", "r2"),
			schemaRec(did, "com.example.b", doc("com.example.b"), "c2", "r3"),
			schemaRec(did, "com.example.c", doc("com.example.c"), "c3", "r3"),
		} {
			if _, err := h.Put(ctx, tx, r); err != nil {
				return err
			}
		}
		return h.Delete(ctx, tx, URI(did, LexiconSchemaNSID, "com.example.b"))
	})
	var results []Result
	inTx("r9", func(tx *store.Tx) error {
		var err error
		results, err = h.Replace(ctx, tx, did, []Record{
			schemaRec(did, "com.example.a", doc("com.example.a"), "c1", "r9"),
			schemaRec(did, "com.example.d", doc("com.example.x"), "c4", "r9"),
		})
		return err
	})
	if len(results) != 2 || results[0].Invalid == nil || results[1].Action != "delete" || results[1].URI.RecordKey() != "com.example.c" {
		t.Errorf("snapshot results %+v: want d invalid, c deleted", results)
	}
	want := map[string][]string{"com.example.a": {"c1"}, "com.example.b": {"c2", "(deleted r3)"},
		"com.example.c": {"c3", "(deleted r9)"}, "com.example.d": {"c4"}}
	for rkey, cids := range want {
		vs, err := st.LexiconVersions(ctx, URI(did, LexiconSchemaNSID, syntax.RecordKey(rkey)))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range vs {
			if v.Deleted {
				got = append(got, "(deleted "+v.Rev+")")
			} else {
				got = append(got, v.CID)
			}
		}
		if !slices.Equal(got, cids) {
			t.Errorf("%s versions %v, want %v", rkey, got, cids)
		}
	}
}
