package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/bluesky-social/indigo/atproto/identity"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/pds"
)

// runLexValidate runs `statusphere lex validate`: each argument is a record
// file (JSON; "-" reads stdin; a getRecord response is unwrapped) or an
// at:// URI fetched from its PDS. With -resolve, schemas the lexicons do not
// hold are fetched by lexicon resolution. It exits with 1 when a record is
// invalid, and with exitNetwork when none is but some could not be checked.
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
	invalid, unchecked := 0, 0
	for _, target := range fset.Args() {
		nsid, err := validateOne(ctx, env, nf, cat, target, *nsidFlag, *resolve)
		var verr *lexicon.ValidationError
		switch {
		case err == nil:
			fmt.Fprintf(stdout, "valid   %s (%s)\n", target, nsid)
		case isNetworkFailure(err):
			unchecked++
			fmt.Fprintf(stdout, "unknown %s: network failure: %v\n", target, err)
		case errors.As(err, &verr) && err == error(verr):
			invalid++
			fmt.Fprintf(stdout, "invalid %s: %s: %s\n", target, verr.NSID, verr.Message())
		default:
			invalid++
			fmt.Fprintf(stdout, "invalid %s: %v\n", target, err)
		}
	}
	return validateResult(invalid, unchecked, fset.NArg())
}

// exitNetwork is the exit status of `lex validate` when no record was
// invalid but some could not be checked because the network failed
// (invalid records exit with 1).
const exitNetwork = 3

// validateResult is the error `lex validate` ends with.
func validateResult(invalid, unchecked, total int) error {
	switch {
	case invalid > 0 && unchecked > 0:
		return fmt.Errorf("lex validate: %d of %d records are not valid, %d could not be checked (network failure)", invalid, total, unchecked)
	case invalid > 0:
		return fmt.Errorf("lex validate: %d of %d records are not valid", invalid, total)
	case unchecked > 0:
		return &exitError{code: exitNetwork, err: fmt.Errorf("lex validate: %d of %d records could not be checked (network failure)", unchecked, total)}
	}
	return nil
}

// isNetworkFailure reports whether err means a host could not be reached
// or did not answer: DNS, connection, TLS, timeout, a failed DID
// resolution, or a server error (HTTP 5xx).
func isNetworkFailure(err error) bool {
	var urlErr *url.Error
	if pds.Unreachable(err) || errors.As(err, &urlErr) || errors.Is(err, identity.ErrDIDResolutionFailed) {
		return true
	}
	_, status := pds.ErrorName(err)
	return status >= 500
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
