package collection

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/atdata"
	"github.com/bluesky-social/indigo/atproto/syntax"
)

func TestStatusRow(t *testing.T) {
	did := syntax.DID("did:plc:ewvi7nxzyoun6zhxrhs64oiz")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rec := func(js string) map[string]any {
		m, err := atdata.UnmarshalJSON([]byte(js))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	good := `{"$type":"xyz.statusphere.status","status":"🦋","createdAt":"2026-01-01T00:00:00.000Z","note":"<b>&","ref":{"$link":"bafyreig2fjxi3rptqdgylg7e5hmjl6mcke7rn2b6cugzlqq3i4zu6rq52q"}}`
	row, err := statusRow(did, "3jzfcijpj2z2a", "bafycid", "3jzfcijpj2z2b", rec(good), now)
	if err != nil {
		t.Fatal(err)
	}
	if row.URI != "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/xyz.statusphere.status/3jzfcijpj2z2a" || row.Status != "🦋" ||
		!row.CreatedAt.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) || row.IndexedAt != now || row.Rev != "3jzfcijpj2z2b" {
		t.Errorf("row %+v", row)
	}
	var back map[string]any
	if err := json.Unmarshal(row.Record, &back); err != nil {
		t.Fatal(err)
	}
	if back["note"] != "<b>&" || back["ref"].(map[string]any)["$link"] == nil {
		t.Errorf("record JSON %s lost or changed unknown fields", row.Record)
	}

	for name, tc := range map[string]struct {
		rkey syntax.RecordKey
		js   string
	}{
		"wrong $type":      {"3jzfcijpj2z2a", `{"$type":"com.example.status","status":"🦋","createdAt":"2026-01-01T00:00:00Z"}`},
		"rkey not a TID":   {"self", good},
		"createdAt absent": {"3jzfcijpj2z2a", `{"$type":"xyz.statusphere.status","status":"🦋"}`},
	} {
		if _, err := statusRow(did, tc.rkey, "c", "r", rec(tc.js), now); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}
