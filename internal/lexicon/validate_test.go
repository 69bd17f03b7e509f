package lexicon

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/atdata"
	"github.com/bluesky-social/indigo/atproto/syntax"

	statusphere "github.com/statusphere/statusphere"
)

func appCatalog(t testing.TB) *Catalog {
	t.Helper()
	c, err := Load(statusphere.Lexicons)
	if err != nil {
		t.Fatalf("loading the app's lexicons: %v", err)
	}
	return c
}

// testCatalog holds the app's lexicons and the test schemas in
// testdata/lexicons.
func testCatalog(t testing.TB) *Catalog {
	t.Helper()
	c := appCatalog(t)
	dir := filepath.Join("testdata", "lexicons")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("reading test lexicons: %v", err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatalf("reading test lexicon: %v", err)
		}
		if _, err := c.AddSchemaJSON(b); err != nil {
			t.Fatalf("adding test lexicon %s: %v", e.Name(), err)
		}
	}
	return c
}

// statusDocs is the app's status schema alone, as a list to publish.
func statusDocs(t *testing.T) []Doc {
	t.Helper()
	d, ok := appCatalog(t).Doc(StatusNSID)
	if !ok {
		t.Fatalf("the app catalog has no %s", StatusNSID)
	}
	return []Doc{d}
}

func TestLoadAppLexicons(t *testing.T) {
	c := appCatalog(t)
	status, ok := c.Doc(StatusNSID)
	if !ok || !slices.ContainsFunc(c.Docs(), func(d Doc) bool { return d.NSID == StatusNSID }) {
		t.Fatalf("app catalog holds %d schemas, not %s", len(c.Docs()), StatusNSID)
	}
	if !c.Has(StatusNSID) {
		t.Errorf("Has(%s) = false", StatusNSID)
	}
	if _, err := c.AddSchemaJSON(status.JSON); err == nil {
		t.Errorf("adding %s twice succeeded", StatusNSID)
	}
}

func TestValidateStatus(t *testing.T) {
	c := appCatalog(t)
	const at = "2024-11-24T05:06:07.000Z"
	tests := []struct {
		name   string
		json   string
		path   string // empty: valid
		reason string // substring of the reason
	}{
		{"emoji", `{"$type":"xyz.statusphere.status","status":"👍","createdAt":"` + at + `"}`, "", ""},
		{"zwj family", `{"$type":"xyz.statusphere.status","status":"👩\u200d👩\u200d👦\u200d👦","createdAt":"` + at + `"}`, "", ""},
		{"flag", `{"$type":"xyz.statusphere.status","status":"🇩🇪","createdAt":"` + at + `"}`, "", ""},
		{"skin tone", `{"$type":"xyz.statusphere.status","status":"👍🏽","createdAt":"` + at + `"}`, "", ""},
		{"devanagari conjunct", `{"$type":"xyz.statusphere.status","status":"क्ष","createdAt":"` + at + `"}`, "", ""},
		{"extra fields kept legal", `{"$type":"xyz.statusphere.status","status":"🙂","createdAt":"` + at + `","app.other.mood":{"x":1},"n":null}`, "", ""},
		{"offset datetime", `{"$type":"xyz.statusphere.status","status":"🙂","createdAt":"2024-11-24T05:06:07+01:00"}`, "", ""},
		{"two graphemes", `{"$type":"xyz.statusphere.status","status":"👍👍","createdAt":"` + at + `"}`, "status", "must be a single grapheme, has 2"},
		{"empty", `{"$type":"xyz.statusphere.status","status":"","createdAt":"` + at + `"}`, "status", "must not be empty"},
		{"too many bytes", `{"$type":"xyz.statusphere.status","status":"👨\u200d👩\u200d👧\u200d👦🏽🏽🏽","createdAt":"` + at + `"}`, "status", "must not be longer than 32 bytes"},
		{"missing status", `{"$type":"xyz.statusphere.status","createdAt":"` + at + `"}`, "status", "required field is missing"},
		{"missing createdAt", `{"$type":"xyz.statusphere.status","status":"🙂"}`, "createdAt", "required field is missing"},
		{"datetime without zone", `{"$type":"xyz.statusphere.status","status":"🙂","createdAt":"2024-11-24T05:06:07"}`, "createdAt", "must be a valid datetime"},
		{"status number", `{"$type":"xyz.statusphere.status","status":1,"createdAt":"` + at + `"}`, "status", "must be a string, is an integer"},
		{"status null", `{"$type":"xyz.statusphere.status","status":null,"createdAt":"` + at + `"}`, "status", "must not be null"},
		{"wrong $type", `{"$type":"com.example.status","status":"🙂","createdAt":"` + at + `"}`, "$type", `must be "xyz.statusphere.status"`},
		{"$type with #main", `{"$type":"xyz.statusphere.status#main","status":"🙂","createdAt":"` + at + `"}`, "$type", `must be`},
		{"missing $type", `{"status":"🙂","createdAt":"` + at + `"}`, "$type", "must be present"},
		{"float", `{"$type":"xyz.statusphere.status","status":"🙂","createdAt":"` + at + `","x":1.5}`, "", "not valid atproto JSON data"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := c.ValidateJSON(StatusNSID, []byte(tc.json))
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("valid record rejected: %v", err)
				}
				return
			}
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("error = %v (%T), want *ValidationError", err, err)
			}
			if verr.Path != tc.path || !strings.Contains(verr.Reason, tc.reason) || verr.NSID != StatusNSID {
				t.Errorf("error = {%s %q %q}, want {%s %q …%q…}", verr.NSID, verr.Path, verr.Reason, StatusNSID, tc.path, tc.reason)
			}
			if !strings.HasPrefix(err.Error(), "invalid xyz.statusphere.status record: ") {
				t.Errorf("Error() = %q", err)
			}
		})
	}
}

func TestValidateUnknownCollection(t *testing.T) {
	c := appCatalog(t)
	err := c.ValidateJSON("com.example.nope", []byte(`{"$type":"com.example.nope"}`))
	var nf *SchemaNotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("error = %v, want a SchemaNotFoundError", err)
	}
	if nsid, err := nf.NSID(); err != nil || nsid != "com.example.nope" {
		t.Errorf("NSID() = %q, %v", nsid, err)
	}
}

func TestNewStatusRecord(t *testing.T) {
	c := appCatalog(t)
	at := time.Date(2024, 11, 24, 6, 7, 8, 900_000_000, time.FixedZone("CET", 3600))
	tests := []struct {
		name    string
		status  string
		wantErr string
	}{
		{"emoji", "🦋", ""},
		{"conjunct", "क्ष", ""},
		{"two", "🦋🦋", "status: must be a single grapheme, has 2"},
		{"empty", "", "status: must not be empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := c.NewStatusRecord(tc.status, at)
			if tc.wantErr != "" {
				var verr *ValidationError
				if !errors.As(err, &verr) || verr.Message() != tc.wantErr {
					t.Fatalf("error = %v, want message %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewStatusRecord: %v", err)
			}
			if rec["createdAt"] != "2024-11-24T05:07:08.900Z" || rec["$type"] != "xyz.statusphere.status" || rec["status"] != tc.status {
				t.Errorf("record = %v", rec)
			}
		})
	}
}

func TestValidateRecordKey(t *testing.T) {
	c := testCatalog(t)
	tests := []struct {
		name  string
		nsid  syntax.NSID
		rkey  string
		valid bool
	}{
		{"tid", StatusNSID, "3kznmn7xqxl22", true},
		{"not a tid", StatusNSID, "self", false},
		{"literal", "test.statusphere.profile", "self", true},
		{"other literal", "test.statusphere.profile", "me", false},
		{"any", "test.statusphere.kitchen", "anything-goes", true},
		{"invalid key", "test.statusphere.kitchen", "..", false},
		{"nsid", "test.statusphere.named", "com.example.foo", true},
		{"not an nsid", "test.statusphere.named", "foo", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := c.ValidateRecordKey(tc.nsid, tc.rkey)
			if (err == nil) != tc.valid {
				t.Errorf("ValidateRecordKey(%s, %q) = %v, want valid=%t", tc.nsid, tc.rkey, err, tc.valid)
			}
		})
	}
}

func TestGraphemeLen(t *testing.T) {
	tests := []struct {
		name string
		s    string
		want int
	}{
		{"empty", "", 0},
		{"ascii", "abc", 3},
		{"zwj family", "👩\u200d👩\u200d👦\u200d👦", 1},
		{"flags", "🇩🇪🇫🇷", 2},
		{"skin tone", "👍🏽", 1},
		{"combining", "e\u0301", 1},
		{"devanagari conjunct", "क्ष", 1},
		{"hangul jamo", "\u1100\u1161\u11a8", 1},
		{"crlf", "\r\n", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := GraphemeLen(tc.s); got != tc.want {
				t.Errorf("GraphemeLen(%q) = %d, want %d", tc.s, got, tc.want)
			}
		})
	}
}

func BenchmarkValidateStatus(b *testing.B) {
	c := appCatalog(b)
	rec := map[string]any{"$type": "xyz.statusphere.status", "status": "👩\u200d👩\u200d👦\u200d👦", "createdAt": "2024-11-24T05:06:07.000Z"}
	b.ReportAllocs()
	for b.Loop() {
		if err := c.ValidateRecord(StatusNSID, rec); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateCBOR is the firehose path: decode a record from
// DAG-CBOR and validate it.
func BenchmarkValidateCBOR(b *testing.B) {
	c := appCatalog(b)
	rec := map[string]any{"$type": "xyz.statusphere.status", "status": "👍🏽", "createdAt": "2024-11-24T05:06:07.000Z"}
	cbor, err := atdata.MarshalCBOR(rec)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := c.ValidateCBOR(StatusNSID, cbor); err != nil {
			b.Fatal(err)
		}
	}
}
