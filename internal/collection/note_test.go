package collection

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/atdata"
	"github.com/bluesky-social/indigo/atproto/syntax"
)

func TestNoteRow(t *testing.T) {
	did := syntax.DID("did:plc:ewvi7nxzyoun6zhxrhs64oiz")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rec := func(js string) map[string]any {
		m, err := atdata.UnmarshalJSON([]byte(js))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	good := `{"$type":"org.gostatusphere.note","text":"shipping <today>","createdAt":"2026-01-01T00:00:00.000Z","mood":{"level":3}}`
	row, err := noteRow(did, "3jzfcijpj2z2a", "bafycid", "3jzfcijpj2z2b", rec(good), now)
	if err != nil {
		t.Fatal(err)
	}
	if row.URI != "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/org.gostatusphere.note/3jzfcijpj2z2a" || row.Text != "shipping <today>" ||
		row.RKey != "3jzfcijpj2z2a" || row.IndexedAt != now || row.Rev != "3jzfcijpj2z2b" || row.CID != "bafycid" {
		t.Errorf("row %+v", row)
	}
	var back map[string]any
	if err := json.Unmarshal(row.Record, &back); err != nil {
		t.Fatal(err)
	}
	if back["mood"].(map[string]any)["level"] != float64(3) || back["text"] != "shipping <today>" {
		t.Errorf("record JSON %s lost or changed fields", row.Record)
	}
	for name, tc := range map[string]struct {
		rkey syntax.RecordKey
		js   string
	}{
		"wrong $type":      {"3jzfcijpj2z2a", `{"$type":"xyz.statusphere.status","text":"x","createdAt":"2026-01-01T00:00:00Z"}`},
		"rkey not a TID":   {"self", good},
		"createdAt absent": {"3jzfcijpj2z2a", `{"$type":"org.gostatusphere.note","text":"x"}`},
		"empty text":       {"3jzfcijpj2z2a", `{"$type":"org.gostatusphere.note","text":"","createdAt":"2026-01-01T00:00:00Z"}`},
	} {
		if _, err := noteRow(did, tc.rkey, "c", "r", rec(tc.js), now); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}
