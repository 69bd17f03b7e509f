package main

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/lexicon/lexicontest"
	"github.com/statusphere/statusphere/internal/testnet"
)

// TestPublishOwnLexicons: `statusphere lex publish` writes every schema of
// ours (everything under lexicon.Authority) to an account on the local
// network (the real PDS and PLC directory); with the DNS TXT records it
// prints, `lex resolve` finds each one back, field for field; `lex lint`
// is clean, also against the versions just published. Only DNS is
// injected.
func TestPublishOwnLexicons(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real PDS network; run without -short")
	}
	n := testnet.Start(t, testnet.WithAccounts("lexpub"))
	acct := n.Account("lexpub")
	ctx := t.Context()
	var (
		mu  sync.Mutex
		txt = map[string][]string{}
	)
	env := lexEnv{resolver: &lexicon.Resolver{
		LookupTXT: func(ctx context.Context, name string) ([]string, error) {
			mu.Lock()
			defer mu.Unlock()
			return lexicontest.TXT(txt)(ctx, name)
		},
		Directory:  n.Directory(),
		HTTPClient: n.HTTPClient,
	}}

	var stdout, stderr bytes.Buffer
	if err := runLexWith(ctx, env, []string{"publish", "-handle", acct.Handle.String(), "-password", acct.Password}, &stdout, &stderr); err != nil {
		t.Fatalf("lex publish: %v\n%s", err, stderr.String())
	}
	for _, m := range regexp.MustCompile(`(?m)^\s+(_lexicon\.\S+)\. TXT "([^"]+)"$`).FindAllStringSubmatch(stdout.String(), -1) {
		txt[m[1]] = append(txt[m[1]], m[2])
	}
	if want := "did=" + acct.DID.String(); len(txt["_lexicon.gostatusphere.org"]) != 1 || txt["_lexicon.gostatusphere.org"][0] != want {
		t.Fatalf("lex publish printed the TXT records %v, want _lexicon.gostatusphere.org %q:\n%s", txt, want, stdout.String())
	}

	cat, err := loadLexicons("")
	if err != nil {
		t.Fatal(err)
	}
	ours := 0
	for _, d := range cat.Docs() {
		if !lexicon.Ours(d.NSID) {
			continue
		}
		ours++
		if !strings.Contains(stdout.String(), "published "+d.NSID.String()+" as at://"+acct.DID.String()+"/com.atproto.lexicon.schema/"+d.NSID.String()) {
			t.Errorf("lex publish did not publish %s:\n%s", d.NSID, stdout.String())
		}
		var out, errOut bytes.Buffer
		if err := runLexWith(ctx, env, []string{"resolve", d.NSID.String()}, &out, &errOut); err != nil {
			t.Errorf("lex resolve %s: %v\n%s", d.NSID, err, errOut.String())
			continue
		}
		var got, want map[string]any
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatalf("lex resolve %s printed %q: %v", d.NSID, out.String(), err)
		}
		if err := json.Unmarshal(d.JSON, &want); err != nil {
			t.Fatal(err)
		}
		want["$type"] = lexicon.SchemaCollection.String()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("lex resolve %s differs from lexicons/:\n got %s\nwant %s", d.NSID, out.String(), d.JSON)
		}
	}
	if ours < 5 {
		t.Errorf("only %d schemas of ours in the catalog", ours)
	}
	for _, args := range [][]string{{"lint"}, {"lint", "-published"}} {
		var out, errOut bytes.Buffer
		if err := runLexWith(ctx, env, args, &out, &errOut); err != nil || out.Len() > 0 {
			t.Errorf("lex %s = %v, want clean:\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
		}
	}
}
