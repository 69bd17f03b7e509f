package collection

import (
	"fmt"

	"github.com/bluesky-social/indigo/atproto/atdata"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/lexicon"
)

// decodeValid validates a record of collection nsid against the lexicon
// (its CBOR if it has it, else its JSON) and returns it in data-model
// form; the error wraps ErrInvalid.
func decodeValid(v Validator, nsid syntax.NSID, rec Record) (map[string]any, error) {
	var (
		m   map[string]any
		err error
	)
	switch {
	case rec.CBOR == nil && len(rec.JSON) == 0:
		return nil, fmt.Errorf("%w: no record", ErrInvalid)
	case rec.CBOR != nil:
		if err := v.ValidateCBOR(nsid, rec.CBOR); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		if m, err = atdata.UnmarshalCBOR(rec.CBOR); err != nil {
			return nil, fmt.Errorf("%w: decode: %w", ErrInvalid, err)
		}
	default:
		// The one JSON decode of every path (web, Jetstream, lex tools).
		if m, err = lexicon.DecodeJSON(rec.JSON); err != nil {
			return nil, fmt.Errorf("%w: decode: %w", ErrInvalid, err)
		}
		if err := v.ValidateRecord(nsid, m); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	return m, nil
}
