package lexicon

import (
	"fmt"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// ValidationError says why a record does not conform to its lexicon. Path
// locates the offending value inside the record ("status", "embed.images[0]",
// empty for the record itself); Reason says what is wrong with it in words a
// user can act on ("must be a single grapheme, has 2"); Err is the underlying
// cause when there is one (a syntax error, a missing schema, a data-model
// decoding error).
type ValidationError struct {
	NSID   syntax.NSID
	Path   string
	Reason string
	Err    error
}

// Error returns "invalid <nsid> record: <path>: <reason>".
func (e *ValidationError) Error() string {
	return fmt.Sprintf("invalid %s record: %s", e.NSID, e.Message())
}

// Message returns "<path>: <reason>", or just the reason when the problem is
// with the record as a whole: the part to show a user.
func (e *ValidationError) Message() string {
	if e.Path == "" {
		return e.Reason
	}
	return e.Path + ": " + e.Reason
}

// Unwrap returns the underlying cause, if any.
func (e *ValidationError) Unwrap() error { return e.Err }

// SchemaNotFoundError reports a schema reference (an NSID with an optional
// "#fragment") that the catalog does not hold. Validation wraps it in a
// [ValidationError]; callers that can fetch schemas (lexicon resolution)
// detect it with errors.As and retry.
type SchemaNotFoundError struct {
	Ref string
}

// Error returns "schema not found: <ref>".
func (e *SchemaNotFoundError) Error() string {
	return "schema not found: " + e.Ref
}

// NSID returns the NSID part of the missing reference.
func (e *SchemaNotFoundError) NSID() (syntax.NSID, error) {
	ref := e.Ref
	for i := 0; i < len(ref); i++ {
		if ref[i] == '#' {
			ref = ref[:i]
			break
		}
	}
	return syntax.ParseNSID(ref)
}
