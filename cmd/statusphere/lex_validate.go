package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/lexicon"
)

// runLexValidate runs `statusphere lex validate`: each argument is a record
// file (JSON; "-" reads stdin; a getRecord response is unwrapped) or an
// at:// URI fetched from its PDS. With -resolve, schemas the lexicons do not
// hold are fetched by lexicon resolution.
func runLexValidate(ctx context.Context, env lexEnv, args []string, stdout, stderr io.Writer) error {
	fset := newFlagSet("lex validate", stderr, "lex validate [-lexicons dir] [-nsid nsid] [-resolve] <record.json | - | at://…>...")
	dir := lexiconsFlag(fset)
	nsidFlag := fset.String("nsid", "", "validate against this record type (default: the record's $type, or the AT-URI's collection)")
	resolve := fset.Bool("resolve", false, "fetch schemas the lexicons do not hold by lexicon resolution")
	nf := addNetFlags(fset)
	if err := fset.Parse(args); err != nil {
		return err
	}
	if fset.NArg() == 0 {
		fset.Usage()
		return errors.New("lex validate: no records given")
	}
	cat, err := loadLexicons(*dir)
	if err != nil {
		return fmt.Errorf("lex validate: %w", err)
	}
	invalid := 0
	for _, target := range fset.Args() {
		nsid, err := validateOne(ctx, env, nf, cat, target, *nsidFlag, *resolve)
		if err != nil {
			invalid++
			var verr *lexicon.ValidationError
			if errors.As(err, &verr) {
				fmt.Fprintf(stdout, "invalid %s: %s: %s\n", target, verr.NSID, verr.Message())
			} else {
				fmt.Fprintf(stdout, "invalid %s: %v\n", target, err)
			}
			continue
		}
		fmt.Fprintf(stdout, "valid   %s (%s)\n", target, nsid)
	}
	if invalid > 0 {
		return fmt.Errorf("lex validate: %d of %d records are not valid", invalid, fset.NArg())
	}
	return nil
}

// validateOne reads or fetches one record and validates it.
func validateOne(ctx context.Context, env lexEnv, nf netFlags, cat *lexicon.Catalog, target, nsidFlag string, resolve bool) (syntax.NSID, error) {
	var (
		data []byte
		nsid syntax.NSID
		rkey string
	)
	if strings.HasPrefix(target, "at://") {
		uri, err := syntax.ParseATURI(target)
		if err != nil {
			return "", fmt.Errorf("not an AT-URI: %w", err)
		}
		rec, err := nf.resolver(env).FetchRecord(ctx, uri)
		if err != nil {
			return "", err
		}
		data, nsid, rkey = rec.Value, uri.Collection(), uri.RecordKey().String()
	} else {
		b, err := readTarget(target)
		if err != nil {
			return "", err
		}
		data = unwrapGetRecord(b)
	}
	if nsidFlag != "" {
		n, err := syntax.ParseNSID(nsidFlag)
		if err != nil {
			return "", fmt.Errorf("-nsid: %w", err)
		}
		nsid = n
	}
	if nsid == "" {
		var head struct {
			Type string `json:"$type"`
		}
		if err := json.Unmarshal(data, &head); err != nil {
			return "", fmt.Errorf("not a JSON object: %w", err)
		}
		n, err := syntax.ParseNSID(head.Type)
		if err != nil {
			return "", fmt.Errorf("the record's $type %q is not an NSID (use -nsid): %w", head.Type, err)
		}
		nsid = n
	}
	var err error
	if resolve {
		_, err = nf.resolver(env).ResolveInto(ctx, cat, nsid, data)
	} else {
		err = cat.ValidateJSON(nsid, data)
	}
	if err == nil && rkey != "" {
		err = cat.ValidateRecordKey(nsid, rkey)
	}
	return nsid, err
}

func readTarget(target string) ([]byte, error) {
	if target == "-" {
		return io.ReadAll(io.LimitReader(os.Stdin, 16<<20))
	}
	return os.ReadFile(target)
}

// unwrapGetRecord returns the record of a com.atproto.repo.getRecord
// response ({"uri", "cid", "value"}), or b itself.
func unwrapGetRecord(b []byte) []byte {
	var resp map[string]json.RawMessage
	if json.Unmarshal(b, &resp) != nil {
		return b
	}
	_, hasType := resp["$type"]
	value, hasValue := resp["value"]
	_, hasURI := resp["uri"]
	if !hasType && hasValue && hasURI {
		return value
	}
	return b
}
