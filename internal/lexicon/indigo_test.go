package lexicon

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/bluesky-social/indigo/atproto/atdata"
	"github.com/bluesky-social/indigo/atproto/lexicon"
	"github.com/bluesky-social/indigo/atproto/syntax"
)

// indigoFixes are the records on which indigo's own validator
// (lexicon.ValidateRecord over the same schemas) gets a different verdict
// from ours, ours being the reference's (checked by running them through
// @atproto/lexicon too). They are the corrections this package makes; each
// is listed in docs/lexicon-validation.md. When indigo is fixed, its case
// fails here, and the entry (and the doc line) should go.
var indigoFixes = []struct {
	name      string
	nsid      syntax.NSID
	record    string
	oursValid bool
}{
	{"grapheme: Devanagari conjunct is one", StatusNSID,
		`{"$type":"xyz.statusphere.status","status":"\u0915\u094d\u0937","createdAt":"2024-11-24T05:06:07Z"}`, true},
	{"grapheme: Devanagari conjunct with ZWJ is one", StatusNSID,
		`{"$type":"xyz.statusphere.status","status":"\u0915\u094d\u200d\u0937","createdAt":"2024-11-24T05:06:07Z"}`, true},
	{"grapheme: shri is one", StatusNSID,
		`{"$type":"xyz.statusphere.status","status":"\u0936\u094d\u0930\u0940","createdAt":"2024-11-24T05:06:07Z"}`, true},
	{"grapheme: Bengali conjunct is one", StatusNSID,
		`{"$type":"xyz.statusphere.status","status":"\u0995\u09cd\u09b7","createdAt":"2024-11-24T05:06:07Z"}`, true},
	{"grapheme: Khmer coeng cluster is one", StatusNSID,
		`{"$type":"xyz.statusphere.status","status":"\u1780\u17d2\u179f","createdAt":"2024-11-24T05:06:07Z"}`, true},
	{"grapheme: controls then a virama and a ZWSP are four", kitchenNSID,
		`{"$type":"test.statusphere.kitchen","text":"\n\t\u0d4d\u200b","defaulted":"d","nullableReq":null}`, false},
	{"datetime: offset hour 24", StatusNSID,
		`{"$type":"xyz.statusphere.status","status":"🙂","createdAt":"2024-11-24T05:06:07+24:00"}`, false},
	{"datetime: 21 fractional digits", StatusNSID,
		`{"$type":"xyz.statusphere.status","status":"🙂","createdAt":"2024-11-24T05:06:07.123456789012345678901Z"}`, true},
	{"language: upper-case private use", kitchenNSID,
		`{"$type":"test.statusphere.kitchen","text":"t","defaulted":"d","nullableReq":null,"formats":{"language":"X-fr-CH"}}`, true},
	{"union: #main $type in a closed union", kitchenNSID,
		`{"$type":"test.statusphere.kitchen","text":"t","defaulted":"d","nullableReq":null,"closed":{"$type":"test.statusphere.other#main","n":1}}`, true},
	{"union: open union, unlisted but known type with bad content", kitchenNSID,
		`{"$type":"test.statusphere.kitchen","text":"t","defaulted":"d","nullableReq":null,"open":{"$type":"test.statusphere.kitchen#formats","datetime":"nope"}}`, true},
	{"union: relative $type", kitchenNSID,
		`{"$type":"test.statusphere.kitchen","text":"t","defaulted":"d","nullableReq":null,"open":{"$type":"#point","x":1,"y":2}}`, false},
	{"required field with a default, absent", kitchenNSID,
		`{"$type":"test.statusphere.kitchen","text":"t","nullableReq":null}`, true},
	{"bytes: padded base64", kitchenNSID,
		`{"$type":"test.statusphere.kitchen","text":"t","defaulted":"d","nullableReq":null,"data":{"$bytes":"AQI="}}`, true},
	{"blob: legacy form", kitchenNSID,
		`{"$type":"test.statusphere.kitchen","text":"t","defaulted":"d","nullableReq":null,"anyBlob":{"cid":"bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5p6chi4ity","mimeType":"image/png"}}`, true},
}

func TestIndigoDifferences(t *testing.T) {
	c := testCatalog(t)
	var cases []diffCase
	for _, f := range indigoFixes {
		cases = append(cases, diffCase{name: f.name, nsid: f.nsid, record: json.RawMessage(f.record)})
	}
	var lexicons []json.RawMessage
	for _, d := range c.Docs() {
		lexicons = append(lexicons, d.JSON)
	}
	ref := runReference(t, lexicons, cases)
	for i, f := range indigoFixes {
		t.Run(f.name, func(t *testing.T) {
			ours := c.ValidateJSON(f.nsid, []byte(f.record))
			if (ours == nil) != f.oursValid {
				t.Fatalf("ours: valid=%t (%v), want %t", ours == nil, ours, f.oursValid)
			}
			if ref[i].Valid != f.oursValid {
				t.Errorf("the reference says valid=%t (%s): this is not a fix, ours disagrees with it", ref[i].Valid, ref[i].Error)
			}
			var indigoErr error
			rec, err := atdata.UnmarshalJSON([]byte(f.record))
			if err != nil {
				indigoErr = err
			} else {
				indigoErr = lexicon.ValidateRecord(c.base, rec, string(f.nsid), 0)
			}
			if (indigoErr == nil) == f.oursValid {
				t.Errorf("indigo now agrees (valid=%t): remove the case here and in docs/lexicon-validation.md", f.oursValid)
			}
		})
	}
}

// TestIndigoFixesDocumented keeps docs/lexicon-validation.md and the lists
// of known differences in step: every id is mentioned there.
func TestIndigoFixesDocumented(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := readFile(root + "/docs/lexicon-validation.md")
	if err != nil {
		t.Fatalf("reading docs/lexicon-validation.md: %v", err)
	}
	for _, kd := range knownDifferences {
		if !strings.Contains(doc, "`"+kd.id+"`") {
			t.Errorf("docs/lexicon-validation.md does not list the known difference `%s`", kd.id)
		}
	}
	for _, f := range indigoFixes {
		if !strings.Contains(doc, f.name) {
			t.Errorf("docs/lexicon-validation.md does not list the indigo correction %q", f.name)
		}
	}
	for key := range knownIndigoGaps {
		_, line, _ := strings.Cut(key, ":")
		if !strings.Contains(doc, "`"+line+"`") {
			t.Errorf("docs/lexicon-validation.md does not list the indigo syntax gap `%s`", line)
		}
	}
}

func readFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}
