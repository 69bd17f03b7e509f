package lexicon

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/bluesky-social/indigo/atproto/atdata"
)

// TestCorpusResidue covers the three records of the held-out corpus that
// the spec and the reference call invalid and we used to accept, each by
// every path a record takes: JSON (the web, Jetstream, lex validate) and,
// where DAG-CBOR can carry the same record, the firehose's CBOR.
func TestCorpusResidue(t *testing.T) {
	c := testCatalog(t)
	base := func(field string, v any) map[string]any {
		return map[string]any{"$type": string(kitchenNSID), "text": "ok", "defaulted": "d", "nullableReq": nil, field: v}
	}
	blob := func(mime string, size int) map[string]any {
		return map[string]any{"$type": "blob", "ref": map[string]any{"$link": cidRaw}, "mimeType": mime, "size": size}
	}
	for _, tc := range []struct {
		name    string
		rec     map[string]any
		valid   bool
		viaCBOR bool // the same record can be written as DAG-CBOR
	}{
		{"CIDv0 link", base("link", map[string]any{"$link": "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR"}), false, true},
		{"CIDv0 link off-schema", base("extraLink", map[string]any{"$link": "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR"}), false, true},
		{"CIDv1 link", base("link", map[string]any{"$link": cidA}), true, true},
		{"blob size -1", base("anyBlob", blob("image/png", -1)), false, false},
		{"blob size 0", base("anyBlob", blob("image/png", 0)), true, true},
		{"mime image/ for image/*", base("pic", blob("image/", 5)), false, true},
		{"mime image/png for image/*", base("pic", blob("image/png", 5)), true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.rec)
			if err != nil {
				t.Fatal(err)
			}
			err = c.ValidateJSON(kitchenNSID, b)
			if (err == nil) != tc.valid {
				t.Fatalf("JSON: err = %v, want valid=%v", err, tc.valid)
			}
			var ve *ValidationError
			if err != nil && !errors.As(err, &ve) {
				t.Fatalf("JSON: err is %T, not a *ValidationError", err)
			}
			if !tc.viaCBOR {
				return
			}
			m, err := atdata.UnmarshalJSON(b)
			if err != nil {
				t.Fatal(err)
			}
			cb, err := atdata.MarshalCBOR(m)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.ValidateCBOR(kitchenNSID, cb); (err == nil) != tc.valid {
				t.Fatalf("CBOR: err = %v, want valid=%v", err, tc.valid)
			}
		})
	}
}
