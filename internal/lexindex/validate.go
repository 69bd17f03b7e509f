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
