package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/atcrypto"

	"github.com/statusphere/statusphere/internal/app"
	"github.com/statusphere/statusphere/internal/config"
	"github.com/statusphere/statusphere/internal/lexicon"
)

// TestCLIHelp runs every command with -h through the dispatcher: each
// prints its own usage line and flags (and no other command's), and exits 0.
func TestCLIHelp(t *testing.T) {
	tests := []struct {
		args    []string
		want    []string // flags (and text) the help shows
		notWant []string // flags of other commands
	}{
		{[]string{"serve"}, []string{"-addr", "-database-url", "-public-url", "-ingest", "-session-max-age duration", "-backfill-workers int"}, nil},
		{[]string{"ingest"}, []string{"-ops-addr", "-relay-url", "-ingest-lease-ttl duration"}, []string{"  -addr", "-public-url", "-session-max-age", "-oauth-private-key"}},
		{[]string{"backfill"}, []string{"-database-url", "-backfill-url", "-backfill-workers int"}, []string{"-addr", "-public-url", "-session-max-age", "-ingest "}},
		{[]string{"backup"}, []string{"DEST", "-database-url"}, []string{"-addr", "-relay-url"}},
		{[]string{"lex", "gen"}, []string{"-lexicons", "-out", "-import"}, []string{"-addr", "-database-url"}},
		{[]string{"lex", "validate"}, []string{"-nsid", "-resolve", "-plc"}, []string{"-addr", "-database-url"}},
		{[]string{"lex", "resolve"}, []string{"-plc", "-timeout"}, []string{"-lexicons", "-database-url"}},
		{[]string{"lex", "publish"}, []string{"-handle", "-password", "-pds"}, []string{"-database-url"}},
		{[]string{"lex", "lint"}, []string{"-against", "-published"}, []string{"-database-url"}},
		{[]string{"dev"}, []string{"-data DIR", "-addr", "make deps"}, []string{"-database-url", "-public-url", "-relay-url"}},
		{[]string{"keygen"}, []string{"private key"}, []string{"-addr", "flags:"}},
		{[]string{"version"}, []string{"Go version"}, []string{"-addr", "flags:"}},
	}
	for _, tc := range tests {
		name := strings.Join(tc.args, " ")
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), append(tc.args, "-h"), &stdout, &stderr)
			if !errors.Is(err, flag.ErrHelp) || exitCode(err) != 0 {
				t.Fatalf("%s -h = %v (exit %d), want the help and exit 0", name, err, exitCode(err))
			}
			if stdout.Len() > 0 {
				t.Errorf("%s -h wrote to stdout: %q", name, stdout.String())
			}
			help := stderr.String()
			if first, _, _ := strings.Cut(help, "\n"); !strings.HasPrefix(first, "usage: statusphere "+name+" ") {
				t.Errorf("first line %q, want a one-line usage of %s", first, name)
			}
			for _, s := range tc.want {
				if !strings.Contains(help, s) {
					t.Errorf("help lacks %q:\n%s", s, help)
				}
			}
			for _, s := range tc.notWant {
				if strings.Contains(help, s) {
					t.Errorf("help shows %q, which is not %s's:\n%s", s, name, help)
				}
			}
		})
	}
	t.Run("command list", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		if err := run(t.Context(), []string{"-h"}, &stdout, &stderr); err != nil {
			t.Fatal(err)
		}
		for _, c := range commands() {
			if !strings.Contains(stdout.String(), "  "+c.name+" ") {
				t.Errorf("usage does not list %s:\n%s", c.name, stdout.String())
			}
		}
	})
}

// TestKeygenAndVersion checks keygen -h prints no key (and keygen one),
// and version prints the build info.
func TestKeygenAndVersion(t *testing.T) {
	var stdout, stderr bytes.Buffer
	isKey := func(line string) bool {
		_, err := atcrypto.ParsePrivateMultibase(strings.TrimSpace(line))
		return err == nil
	}
	if err := run(t.Context(), []string{"keygen"}, &stdout, &stderr); err != nil || !isKey(stdout.String()) {
		t.Fatalf("keygen = %q, %v; want a multibase private key", stdout.String(), err)
	}
	stdout.Reset()
	stderr.Reset()
	err := run(t.Context(), []string{"keygen", "-h"}, &stdout, &stderr)
	if exitCode(err) != 0 || stdout.Len() > 0 || !strings.HasPrefix(stderr.String(), "usage: statusphere keygen") {
		t.Errorf("keygen -h = %v, stdout %q, stderr %q; want the usage and no key", err, stdout.String(), stderr.String())
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		for _, word := range strings.Fields(line) {
			if isKey(word) {
				t.Errorf("keygen -h printed a key: %q", line)
			}
		}
	}
	stdout.Reset()
	if err := run(t.Context(), []string{"version"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	bi := app.ReadBuildInfo()
	want := fmt.Sprintf("statusphere %s commit %s %s\n", bi.Version, bi.Commit, runtime.Version())
	if stdout.String() != want {
		t.Errorf("version printed %q, want %q", stdout.String(), want)
	}
}

// TestCLIErrors checks that errors name what failed once, without a
// repeated prefix, and exit with 1.
func TestCLIErrors(t *testing.T) {
	dir := t.TempDir()
	unopenable := filepath.Join(dir, "no-such-dir", "statusphere.db")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"frob"}, `unknown command "frob"`},
		{[]string{"serve", "-addr", "127.0.0.1:0", "-database-url", unopenable}, "open database " + unopenable + ": "},
		{[]string{"serve", "extra"}, `serve: unexpected arguments ["extra"]`},
		{[]string{"serve", "-backfill-workers", "lots"}, `invalid value "lots" for flag -backfill-workers`},
		{[]string{"backfill", "-backfill-workers", "0"}, "backfill-workers (STATUSPHERE_BACKFILL_WORKERS)"},
		{[]string{"backup"}, "give one destination file"},
		{[]string{"backup", "-database-url", "postgres://db/x", filepath.Join(dir, "copy.db")}, "pg_dump"},
		{[]string{"backup", "-database-url", unopenable, filepath.Join(dir, "copy.db")}, "database " + unopenable + ": "},
		{[]string{"keygen", "extra"}, "keygen: unexpected arguments"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), tc.args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) || exitCode(err) != 1 {
				t.Fatalf("error %v (exit %d), want one containing %q, exit 1", err, exitCode(err), tc.want)
			}
			words := strings.Fields(err.Error())
			for i := 1; i < len(words); i++ {
				if strings.HasSuffix(words[i], ":") && words[i] == words[i-1] {
					t.Errorf("stuttering error: %v", err)
				}
			}
		})
	}
}

// TestLexValidateExitCodes checks that lex validate exits with 1 for an
// invalid record and with exitNetwork when records could not be checked
// because their PDS is unreachable, saying why.
func TestLexValidateExitCodes(t *testing.T) {
	env, pds := fakeEnv(t)
	uri := "at://" + string(pds.DID) + "/xyz.statusphere.status/3kznmn7xqxl22"
	invalid := writeFile(t, "two.json", `{"$type":"xyz.statusphere.status","status":"🦋🦋","createdAt":"2024-11-24T05:06:07.000Z"}`)
	valid := writeFile(t, "valid.json", validStatus)
	unpublished := writeFile(t, "unpublished.json", `{"$type":"com.example.nope","x":1}`)
	var stdout, stderr bytes.Buffer
	if err := runLexWith(t.Context(), env, []string{"validate", uri}, &stdout, &stderr); err != nil {
		t.Fatalf("validating a record of a reachable PDS: %v", err)
	}
	pds.Server.Close() // the PDS is now unreachable
	tests := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"invalid record", []string{invalid}, 1, "invalid " + invalid},
		{"unreachable PDS", []string{uri}, exitNetwork, "unknown " + uri + ": network failure: "},
		{"schema resolution fails", []string{"-resolve", "-lexicons", t.TempDir(), valid}, exitNetwork, "network failure: "},
		{"schema not published", []string{"-resolve", "-lexicons", t.TempDir(), unpublished}, 1, "resolving the schema failed: resolving lexicon com.example.nope: " + lexicon.ErrNSIDNotFound.Error()},
		{"both", []string{invalid, uri}, 1, "unknown " + uri},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := runLexWith(t.Context(), env, append([]string{"validate"}, tc.args...), &stdout, &stderr)
			if exitCode(err) != tc.code {
				t.Errorf("exit %d (%v), want %d", exitCode(err), err, tc.code)
			}
			if !strings.Contains(stdout.String(), tc.out) {
				t.Errorf("stdout = %q, want %q", stdout.String(), tc.out)
			}
		})
	}
}

// TestAppFlags checks that typed flags reach config.Parse: the flags given
// beat the environment, the others keep the environment's value.
func TestAppFlags(t *testing.T) {
	t.Setenv("STATUSPHERE_LOG_LEVEL", "warn")
	t.Setenv("STATUSPHERE_BACKFILL_WORKERS", "7")
	t.Setenv("STATUSPHERE_INGEST", "true")
	fset := newFlagSet("serve", io.Discard, "serve [flags]")
	parse := appFlags(fset, "ingest", "session-max-age", "log-level", "backfill-workers", "relay-url")
	if err := fset.Parse([]string{"-ingest=false", "-session-max-age", "2h", "-log-level", "debug", "-relay-url", "wss://relay.example.com"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := parse()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Ingest || cfg.SessionMaxAge != 2*time.Hour || cfg.LogLevel != slog.LevelDebug || cfg.BackfillWorkers != 7 ||
		cfg.BackfillURL != "https://relay.example.com" {
		t.Errorf("config = %+v", cfg)
	}
}

// TestEveryConfigFlagIsOffered checks that each flag config.Parse defines
// is a typed flag of some command, so that a setting added to config is
// not left reachable only through the environment.
func TestEveryConfigFlagIsOffered(t *testing.T) {
	// config.Parse prints its flags to os.Stderr on -h.
	f, err := os.CreateTemp(t.TempDir(), "usage")
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = f
	_, err = config.Parse("serve", []string{"-h"}, func(string) string { return "" })
	os.Stderr = stderr
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("config.Parse -h: %v", err)
	}
	usage, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	names := regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`).FindAllStringSubmatch(string(usage), -1)
	if len(names) < 10 {
		t.Fatalf("found %d flags in config's usage:\n%s", len(names), usage)
	}
	offered := map[string]bool{}
	for _, list := range [][]string{serveSettings, ingestSettings} {
		for _, n := range list {
			offered[n] = true
		}
	}
	table := settings()
	for _, m := range names {
		if _, ok := table[m[1]]; !ok || !offered[m[1]] {
			t.Errorf("config flag -%s is no command's flag: add it to settings() and the commands that use it", m[1])
		}
	}
	for n := range table {
		if !strings.Contains(string(usage), "  -"+n+" ") {
			t.Errorf("setting %q is not a flag of config.Parse", n)
		}
	}
}
