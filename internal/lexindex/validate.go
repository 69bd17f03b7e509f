package lexindex

import (
	"context"
	"errors"
	"fmt"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/lexicon"
)

// maxValidateSchemas bounds the schemas one validation loads.
const maxValidateSchemas = 64

// Validate validates a record (JSON) against nsid's authoritative schema
// and the authoritative schemas it refers to, transitively. An NSID with
// no authoritative schema is ErrNotFound; an invalid record is a
// *lexicon.ValidationError with the path of the offending value.
func (x *Index) Validate(ctx context.Context, nsid syntax.NSID, record []byte) error {
	cat := lexicon.NewCatalog()
	queue := []syntax.NSID{nsid}
	for len(queue) > 0 {
		next := queue[0]
		queue = queue[1:]
		if cat.Has(next) {
			continue
		}
		if len(cat.Docs()) >= maxValidateSchemas {
			return fmt.Errorf("validating against %s: more than %d schemas referenced", nsid, maxValidateSchemas)
		}
		res, err := x.Resolve(ctx, next)
		if errors.Is(err, ErrNotFound) && next != nsid {
			continue // validation reports the missing schema where it is used
		}
		if err != nil {
			return err
		}
		if _, err := cat.AddSchemaJSON(res.Schema); err != nil {
			return fmt.Errorf("loading indexed schema %s: %w", next, err)
		}
		doc, _ := cat.Doc(next)
		queue = append(queue, lexicon.RefNSIDs(doc.File)...)
	}
	return cat.ValidateJSON(nsid, record)
}

// RecordFetcher fetches a record by AT-URI from its repository's PDS;
// *lexicon.Resolver has it.
type RecordFetcher interface {
	FetchRecord(ctx context.Context, uri syntax.ATURI) (*lexicon.Record, error)
}

// ErrNoFetcher is returned by [Index.FetchRecord] on an index built
// without a fetcher.
var ErrNoFetcher = errors.New("this index does not fetch records")

// WithFetcher makes the index fetch records by AT-URI with f (the validate
// box accepts an AT-URI), and returns it.
func (x *Index) WithFetcher(f RecordFetcher) *Index {
	x.fetch = f
	return x
}

// FetchRecord fetches the record at uri (JSON), to validate it.
func (x *Index) FetchRecord(ctx context.Context, uri syntax.ATURI) ([]byte, error) {
	if x.fetch == nil {
		return nil, ErrNoFetcher
	}
	rec, err := x.fetch.FetchRecord(ctx, uri)
	if err != nil {
		return nil, err
	}
	return rec.Value, nil
}
