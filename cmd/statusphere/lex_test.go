package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/lexicon/lexicontest"
)

const validStatus = `{"$type":"xyz.statusphere.status","status":"🦋","createdAt":"2024-11-24T05:06:07.000Z"}`

// fakeEnv is a lexEnv on a fake PDS whose account publishes the app's
// schema, with the DNS record that points to it.
func fakeEnv(t *testing.T) (lexEnv, *lexicontest.FakePDS) {
	t.Helper()
	pds := lexicontest.NewFakePDS(t)
	schema, err := os.ReadFile(filepath.Join("..", "..", "lexicons", "xyz", "statusphere", "status.json"))
	if err != nil {
		t.Fatalf("reading the app's schema: %v", err)
	}
	pds.Put("com.atproto.lexicon.schema", "xyz.statusphere.status", string(schema))
	pds.Put("xyz.statusphere.status", "3kznmn7xqxl22", validStatus)
	pds.Put("xyz.statusphere.status", "3kznmn7xqxl23", `{"$type":"xyz.statusphere.status","status":"🦋🦋","createdAt":"2024-11-24T05:06:07.000Z"}`)
	pds.Put("xyz.statusphere.status", "self", validStatus)
	return lexEnv{resolver: &lexicon.Resolver{
		LookupTXT:  lexicontest.TXT(map[string][]string{"_lexicon.statusphere.xyz": {"did=" + string(pds.DID)}}),
		Directory:  pds.Directory(),
		HTTPClient: pds.Server.Client(),
	}}, pds
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLexUsage(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
		stdout  string
	}{
		{"no subcommand", nil, "no subcommand", ""},
		{"unknown", []string{"frob"}, `unknown subcommand "frob"`, ""},
		{"help", []string{"help"}, "", "subcommands:"},
		{"flag help", []string{"gen", "-h"}, flag.ErrHelp.Error(), ""},
		{"validate nothing", []string{"validate"}, "no records given", ""},
		{"resolve nothing", []string{"resolve"}, "no NSID given", ""},
		{"publish without credentials", []string{"publish"}, "-handle and -password", ""},
		{"lint with both baselines", []string{"lint", "-against", "x", "-published"}, "not both", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := runLex(t.Context(), tc.args, &stdout, &stderr)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("runLex(%q) = %v, want %q", tc.args, err, tc.wantErr)
			}
			if !strings.Contains(stdout.String(), tc.stdout) {
				t.Errorf("stdout = %q, want %q", stdout.String(), tc.stdout)
			}
		})
	}
}

// TestLexGen generates from the app's lexicons and checks the result is
// the committed internal/gen.
func TestLexGen(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if err := runLex(t.Context(), []string{"gen", "-lexicons", "../../lexicons", "-out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("lex gen: %v\n%s", err, stderr.String())
	}
	for _, name := range []string{"xyz/statusphere/status.go", "xyz/statusphere/lexgen_runtime.go",
		"org/gostatusphere/note.go", "org/gostatusphere/defs.go", "org/gostatusphere/gettimeline.go",
		"org/gostatusphere/getactorstatus.go", "org/gostatusphere/getstatus.go", "org/gostatusphere/lexgen_runtime.go"} {
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatalf("lex gen did not write %s: %v", name, err)
		}
		want, err := os.ReadFile(filepath.Join("..", "..", "internal", "gen", name))
		if err != nil {
			t.Fatalf("reading committed internal/gen: %v", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("internal/gen/%s is stale: run make generate", name)
		}
	}
	// The built-in lexicons give the same result as the folder.
	out2 := t.TempDir()
	if err := runLex(t.Context(), []string{"gen", "-out", out2}, &stdout, &stderr); err != nil {
		t.Fatalf("lex gen with built-in lexicons: %v", err)
	}
	a, _ := os.ReadFile(filepath.Join(out, "xyz/statusphere/status.go"))
	b, _ := os.ReadFile(filepath.Join(out2, "xyz/statusphere/status.go"))
	if !bytes.Equal(a, b) {
		t.Errorf("built-in lexicons and ../../lexicons generate different code")
	}
}

func TestLexValidate(t *testing.T) {
	env, pds := fakeEnv(t)
	valid := writeFile(t, "valid.json", validStatus)
	twoGraphemes := writeFile(t, "two.json", `{"$type":"xyz.statusphere.status","status":"🦋🦋","createdAt":"2024-11-24T05:06:07.000Z"}`)
	wrapped := writeFile(t, "wrapped.json", `{"uri":"at://did:plc:x/xyz.statusphere.status/3kznmn7xqxl22","cid":"bafy","value":`+validStatus+`}`)
	untyped := writeFile(t, "untyped.json", `{"status":"🦋","createdAt":"2024-11-24T05:06:07.000Z"}`)
	unknown := writeFile(t, "unknown.json", `{"$type":"com.example.nope","x":1}`)
	uri := "at://" + string(pds.DID) + "/xyz.statusphere.status/"
	tests := []struct {
		name    string
		args    []string
		wantErr string
		stdout  []string
	}{
		{"valid file", []string{valid}, "", []string{"valid   " + valid + " (xyz.statusphere.status)"}},
		{"invalid file", []string{twoGraphemes}, "1 of 1 records", []string{"invalid " + twoGraphemes + ": xyz.statusphere.status: status: must be a single grapheme, has 2"}},
		{"getRecord response", []string{wrapped}, "", []string{"valid   " + wrapped}},
		{"no $type", []string{untyped}, "1 of 1", []string{`$type "" is not an NSID`}},
		{"no $type, -nsid", []string{"-nsid", "xyz.statusphere.status", untyped}, "1 of 1", []string{"$type: must be present"}},
		{"unknown schema", []string{unknown}, "1 of 1", []string{"no schema for this record type"}},
		{"missing file", []string{"/nonexistent.json"}, "1 of 1", []string{"no such file"}},
		{"several", []string{valid, twoGraphemes, valid}, "1 of 3", []string{"valid   " + valid, "invalid " + twoGraphemes}},
		{"AT-URI", []string{uri + "3kznmn7xqxl22"}, "", []string{"valid   " + uri + "3kznmn7xqxl22"}},
		{"invalid AT-URI record", []string{uri + "3kznmn7xqxl23"}, "1 of 1", []string{"must be a single grapheme"}},
		{"AT-URI with a key the schema forbids", []string{uri + "self"}, "1 of 1", []string{"rkey: must be a TID"}},
		{"AT-URI not found", []string{uri + "3kznmn7xqxl24"}, "1 of 1", []string{"RecordNotFound"}},
		{"resolve the schema", []string{"-resolve", "-lexicons", t.TempDir(), valid}, "", []string{"valid   " + valid}},
		{"without -resolve, an empty lexicons folder knows nothing", []string{"-lexicons", t.TempDir(), valid}, "1 of 1", []string{"no schema"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := runLexWith(t.Context(), env, append([]string{"validate"}, tc.args...), &stdout, &stderr)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("lex validate %q = %v, want %q\n%s", tc.args, err, tc.wantErr, stdout.String())
			}
			for _, s := range tc.stdout {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("stdout = %q, want %q", stdout.String(), s)
				}
			}
		})
	}
}

func TestLexResolve(t *testing.T) {
	env, _ := fakeEnv(t)
	var stdout, stderr bytes.Buffer
	if err := runLexWith(t.Context(), env, []string{"resolve", "xyz.statusphere.status"}, &stdout, &stderr); err != nil {
		t.Fatalf("lex resolve: %v", err)
	}
	if _, err := lexicon.ParseSchema(stdout.Bytes()); err != nil {
		t.Errorf("lex resolve printed no schema: %v\n%s", err, stdout.String())
	}
	if !strings.Contains(stderr.String(), "published by did:plc:") {
		t.Errorf("stderr = %q", stderr.String())
	}
	err := runLexWith(t.Context(), env, []string{"resolve", "com.example.nope"}, &stdout, &stderr)
	if !errors.Is(err, lexicon.ErrNSIDNotFound) {
		t.Errorf("resolving an unpublished NSID: %v", err)
	}
	if err := runLexWith(t.Context(), env, []string{"resolve", "not an nsid"}, &stdout, &stderr); err == nil {
		t.Errorf("resolving a bad NSID succeeded")
	}
}

func TestLexPublish(t *testing.T) {
	env, pds := fakeEnv(t)
	var stdout, stderr bytes.Buffer
	args := []string{"publish", "-handle", string(pds.Handle), "-password", pds.Password}
	if err := runLexWith(t.Context(), env, args, &stdout, &stderr); err != nil {
		t.Fatalf("lex publish: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{
		"published xyz.statusphere.status as at://" + string(pds.DID) + "/com.atproto.lexicon.schema/xyz.statusphere.status",
		`_lexicon.statusphere.xyz. TXT "did=` + string(pds.DID) + `"`,
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout = %q, want %q", stdout.String(), want)
		}
	}
	t.Setenv("STATUSPHERE_LEX_PASSWORD", "wrong")
	if err := runLexWith(t.Context(), env, []string{"publish", "-handle", string(pds.Handle)}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "AuthenticationRequired") {
		t.Errorf("publishing with a wrong password from the environment: %v", err)
	}
}

func TestLexLint(t *testing.T) {
	env, pds := fakeEnv(t)
	schema, err := os.ReadFile(filepath.Join("..", "..", "lexicons", "xyz", "statusphere", "status.json"))
	if err != nil {
		t.Fatal(err)
	}
	looser := t.TempDir()
	if err := os.WriteFile(filepath.Join(looser, "status.json"), bytes.Replace(schema, []byte(`"maxLength": 32`), []byte(`"maxLength": 64`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		wantErr string
		stdout  string
	}{
		{"app lexicons are clean", []string{"lint"}, "", ""},
		{"same as published", []string{"lint", "-published"}, "", ""},
		{"tighter than an earlier version", []string{"lint", "-against", looser}, "1 breaking changes", "breaking: warn xyz.statusphere.status [string-length]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := runLexWith(t.Context(), env, tc.args, &stdout, &stderr)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("lex %q = %v, want %q\n%s", tc.args, err, tc.wantErr, stdout.String())
			}
			if tc.stdout == "" && stdout.Len() > 0 || !strings.Contains(stdout.String(), tc.stdout) {
				t.Errorf("stdout = %q, want %q", stdout.String(), tc.stdout)
			}
		})
	}
	t.Run("published version tighter", func(t *testing.T) {
		pds.Put("com.atproto.lexicon.schema", "xyz.statusphere.status",
			strings.Replace(string(schema), `"maxLength": 32`, `"maxLength": 64`, 1))
		var stdout, stderr bytes.Buffer
		err := runLexWith(t.Context(), env, []string{"lint", "-published"}, &stdout, &stderr)
		if err == nil || !strings.Contains(stdout.String(), "[string-length]") {
			t.Errorf("lint -published = %v\n%s", err, stdout.String())
		}
	})
}
