package lexicon

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/bluesky-social/indigo/atproto/atdata"
	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/ipfs/go-cid"
)

// interopDir returns the atproto interop vectors folder, which lives in
// ../shared beside the repository (they are CC0 but are read in place, never
// copied in).
func interopDir(t *testing.T, sub string) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "atproto-interop-tests", sub)
	if _, err := os.Stat(dir); err != nil {
		abs, _ := filepath.Abs(dir)
		t.Fatalf("interop vectors folder %s is missing: clone shared/atproto-interop-tests beside the repository (%v)", abs, err)
	}
	return dir
}

// vectorLines reads a syntax vector file: every line except empty ones and
// '#' comments, untrimmed (leading and trailing spaces are part of cases).
func vectorLines(t *testing.T, path string) []vectorLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("opening interop vector file: %v", err)
	}
	defer f.Close()
	var out []vectorLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		out = append(out, vectorLine{n: n, text: line})
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	if len(out) == 0 {
		t.Fatalf("%s has no cases", path)
	}
	return out
}

type vectorLine struct {
	n    int
	text string
}

// name is a subtest name that identifies the vector: line number and the
// quoted line, cut when long.
func (l vectorLine) name() string {
	q := strconv.QuoteToASCII(l.text)
	if len(q) > 60 {
		q = q[:57] + "..."
	}
	return fmt.Sprintf("L%d=%s", l.n, q)
}

type parser struct {
	name  string
	parse func(string) error
}

func indigo[T any](f func(string) (T, error)) func(string) error {
	return func(s string) error { _, err := f(s); return err }
}

func format(name string) func(string) error {
	return func(s string) error { return CheckFormat(name, s) }
}

// knownIndigoGaps lists the syntax vectors indigo's atproto/syntax gets
// wrong, which this package corrects (see docs/lexicon-validation.md). A
// listed case that indigo gets right fails the test, so the list stays
// true when indigo is upgraded.
var knownIndigoGaps = map[string]bool{
	"language_syntax_valid.txt:X-fr-CH":                        true,
	"language_parse_invalid.txt:de-DE-1901-1901":               true,
	"language_parse_invalid.txt:en-rozaj-ROZAJ":                true,
	"language_parse_invalid.txt:en-a-foo-a-bar":                true,
	"language_parse_invalid.txt:en-u-co-phonebk-U-ca-buddhist": true,
}

func TestInteropSyntaxVectors(t *testing.T) {
	dir := interopDir(t, "syntax")
	kinds := []struct {
		file string
		// ours are the app's parsers: they must get every case right.
		ours []parser
		// indigo is the upstream parser, checked against knownIndigoGaps.
		indigo func(string) error
		// syntaxOnly parsers check well-formedness and are not run on
		// _parse_invalid cases (well-formed but invalid values).
		syntaxOnly []parser
	}{
		{file: "atidentifier", indigo: indigo(syntax.ParseAtIdentifier), ours: []parser{{"format", format("at-identifier")}}},
		{file: "aturi", indigo: indigo(syntax.ParseATURI), ours: []parser{{"format", format("at-uri")}}},
		{file: "cid", indigo: indigo(syntax.ParseCID), ours: []parser{{"format", format("cid")}}},
		{file: "datetime", indigo: indigo(syntax.ParseDatetime), ours: []parser{
			{"ParseDatetime", indigo(ParseDatetime)},
			{"format", format("datetime")},
			{"indigo.ParseDatetimeTime", indigo(syntax.ParseDatetimeTime)},
		}},
		{file: "did", indigo: indigo(syntax.ParseDID), ours: []parser{{"format", format("did")}}},
		{file: "handle", indigo: indigo(syntax.ParseHandle), ours: []parser{{"format", format("handle")}}},
		{file: "language", indigo: indigo(syntax.ParseLanguage),
			ours:       []parser{{"ParseLanguage", indigo(ParseLanguage)}},
			syntaxOnly: []parser{{"format", format("language")}},
		},
		{file: "nsid", indigo: indigo(syntax.ParseNSID), ours: []parser{{"format", format("nsid")}}},
		{file: "recordkey", indigo: indigo(syntax.ParseRecordKey), ours: []parser{{"format", format("record-key")}}},
		{file: "tid", indigo: indigo(syntax.ParseTID), ours: []parser{{"format", format("tid")}}},
		{file: "uri", indigo: indigo(syntax.ParseURI), ours: []parser{{"format", format("uri")}}},
	}
	seenGaps := map[string]bool{}
	for _, k := range kinds {
		for _, suffix := range []string{"_syntax_valid.txt", "_syntax_invalid.txt", "_parse_invalid.txt"} {
			file := k.file + suffix
			path := filepath.Join(dir, file)
			if _, err := os.Stat(path); err != nil {
				if suffix == "_parse_invalid.txt" {
					continue // only datetime and language have these
				}
				t.Fatalf("interop vector file %s is missing: %v", path, err)
			}
			wantValid := suffix == "_syntax_valid.txt"
			parsers := k.ours
			if suffix != "_parse_invalid.txt" {
				parsers = append(append([]parser{}, k.ours...), k.syntaxOnly...)
			}
			t.Run(file, func(t *testing.T) {
				for _, l := range vectorLines(t, path) {
					t.Run(l.name(), func(t *testing.T) {
						for _, p := range parsers {
							err := p.parse(l.text)
							if wantValid && err != nil {
								t.Errorf("%s rejects valid %q: %v", p.name, l.text, err)
							}
							if !wantValid && err == nil {
								t.Errorf("%s accepts invalid %q", p.name, l.text)
							}
						}
						key := file + ":" + l.text
						indigoRight := (k.indigo(l.text) == nil) == wantValid
						switch {
						case !indigoRight && !knownIndigoGaps[key]:
							t.Errorf("indigo gets %q wrong and it is not in knownIndigoGaps", l.text)
						case indigoRight && knownIndigoGaps[key]:
							t.Errorf("indigo now gets %q right: remove it from knownIndigoGaps and docs/lexicon-validation.md", l.text)
						case knownIndigoGaps[key]:
							seenGaps[key] = true
						}
					})
				}
			})
		}
	}
	for key := range knownIndigoGaps {
		if !seenGaps[key] {
			t.Errorf("knownIndigoGaps lists %q, which is no longer an interop vector", key)
		}
	}
}

type lexiconFixture struct {
	Name    string          `json:"name"`
	Lexicon json.RawMessage `json:"lexicon"`
}

type recordFixture struct {
	Name      string          `json:"name"`
	RecordKey string          `json:"rkey"`
	Data      json.RawMessage `json:"data"`
}

func readJSONFile[T any](t *testing.T, path string) T {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading interop vectors: %v", err)
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decoding %s: %v", path, err)
	}
	return v
}

func TestInteropLexiconVectors(t *testing.T) {
	dir := interopDir(t, "lexicon")
	t.Run("lexicon-valid", func(t *testing.T) {
		for _, f := range readJSONFile[[]lexiconFixture](t, filepath.Join(dir, "lexicon-valid.json")) {
			t.Run(f.Name, func(t *testing.T) {
				if _, err := NewCatalog().AddSchemaJSON(f.Lexicon); err != nil {
					t.Errorf("valid schema rejected: %v", err)
				}
			})
		}
	})
	t.Run("lexicon-invalid", func(t *testing.T) {
		for _, f := range readJSONFile[[]lexiconFixture](t, filepath.Join(dir, "lexicon-invalid.json")) {
			t.Run(f.Name, func(t *testing.T) {
				if _, err := ParseSchema(f.Lexicon); err == nil {
					t.Errorf("invalid schema accepted: %s", f.Lexicon)
				}
			})
		}
	})

	cat, err := Load(os.DirFS(filepath.Join(dir, "catalog")))
	if err != nil {
		t.Fatalf("loading the interop catalog: %v", err)
	}
	const nsid = syntax.NSID("example.lexicon.record")
	for _, tc := range []struct {
		file  string
		valid bool
	}{
		{"record-data-valid.json", true},
		{"record-data-invalid.json", false},
	} {
		t.Run(tc.file, func(t *testing.T) {
			for i, f := range readJSONFile[[]recordFixture](t, filepath.Join(dir, tc.file)) {
				t.Run(fmt.Sprintf("%02d_%s", i, f.Name), func(t *testing.T) {
					err := cat.ValidateJSON(nsid, f.Data)
					if tc.valid && err != nil {
						t.Fatalf("valid record rejected: %v", err)
					}
					if !tc.valid && err == nil {
						t.Fatalf("invalid record accepted: %s", f.Data)
					}
					var verr *ValidationError
					if err != nil && !errors.As(err, &verr) {
						t.Errorf("error is %T, want *ValidationError: %v", err, err)
					}
					if err := cat.ValidateRecordKey(nsid, f.RecordKey); err != nil {
						t.Errorf("record key %q: %v", f.RecordKey, err)
					}
					// The same verdict from DAG-CBOR, as the firehose
					// delivers records.
					rec, err := atdata.UnmarshalJSON(f.Data)
					if err != nil {
						return // rejected by the data model already
					}
					b, err := atdata.MarshalCBOR(rec)
					if err != nil {
						t.Fatalf("encoding CBOR: %v", err)
					}
					if err := cat.ValidateCBOR(nsid, b); (err == nil) != tc.valid {
						t.Errorf("CBOR verdict differs from JSON: %v", err)
					}
				})
			}
		})
	}
}

func TestInteropDataModelVectors(t *testing.T) {
	dir := interopDir(t, "data-model")
	type fixture struct {
		JSON       json.RawMessage `json:"json"`
		CBORBase64 string          `json:"cbor_base64"`
		CID        string          `json:"cid"`
	}
	t.Run("data-model-fixtures", func(t *testing.T) {
		for i, f := range readJSONFile[[]fixture](t, filepath.Join(dir, "data-model-fixtures.json")) {
			t.Run(fmt.Sprintf("%02d_%s", i, f.CID), func(t *testing.T) {
				wantCBOR, err := base64.RawStdEncoding.DecodeString(f.CBORBase64)
				if err != nil {
					t.Fatalf("decoding fixture base64: %v", err)
				}
				fromJSON, err := atdata.UnmarshalJSON(f.JSON)
				if err != nil {
					t.Fatalf("JSON rejected: %v", err)
				}
				fromCBOR, err := atdata.UnmarshalCBOR(wantCBOR)
				if err != nil {
					t.Fatalf("CBOR rejected: %v", err)
				}
				cborFromJSON, err := atdata.MarshalCBOR(fromJSON)
				if err != nil {
					t.Fatalf("encoding CBOR from JSON: %v", err)
				}
				cborFromCBOR, err := atdata.MarshalCBOR(fromCBOR)
				if err != nil {
					t.Fatalf("re-encoding CBOR: %v", err)
				}
				if !bytes.Equal(cborFromJSON, wantCBOR) {
					t.Errorf("JSON → CBOR = %x, want %x", cborFromJSON, wantCBOR)
				}
				if !bytes.Equal(cborFromCBOR, wantCBOR) {
					t.Errorf("CBOR → CBOR = %x, want %x", cborFromCBOR, wantCBOR)
				}
				// CBOR → JSON → data model is the same data.
				jsonFromCBOR, err := json.Marshal(fromCBOR)
				if err != nil {
					t.Fatalf("encoding JSON from CBOR: %v", err)
				}
				back, err := atdata.UnmarshalJSON(jsonFromCBOR)
				if err != nil {
					t.Fatalf("JSON from CBOR rejected: %v", err)
				}
				cborAgain, err := atdata.MarshalCBOR(back)
				if err != nil {
					t.Fatalf("encoding CBOR again: %v", err)
				}
				if !bytes.Equal(cborAgain, wantCBOR) {
					t.Errorf("CBOR → JSON → CBOR = %x, want %x", cborAgain, wantCBOR)
				}
				// 0x71 dag-cbor, 0x12 sha2-256.
				c, err := cid.V1Builder{Codec: 0x71, MhType: 0x12}.Sum(cborFromJSON)
				if err != nil {
					t.Fatalf("computing CID: %v", err)
				}
				if c.String() != f.CID {
					t.Errorf("CID = %s, want %s", c, f.CID)
				}
			})
		}
	})
	type simple struct {
		Note string          `json:"note"`
		JSON json.RawMessage `json:"json"`
	}
	for _, tc := range []struct {
		file  string
		valid bool
	}{
		{"data-model-valid.json", true},
		{"data-model-invalid.json", false},
	} {
		t.Run(tc.file, func(t *testing.T) {
			for i, f := range readJSONFile[[]simple](t, filepath.Join(dir, tc.file)) {
				t.Run(fmt.Sprintf("%02d_%s", i, f.Note), func(t *testing.T) {
					_, err := atdata.UnmarshalJSON(f.JSON)
					if tc.valid && err != nil {
						t.Errorf("valid data rejected: %v", err)
					}
					if !tc.valid && err == nil {
						t.Errorf("invalid data accepted: %s", f.JSON)
					}
				})
			}
		})
	}
}
