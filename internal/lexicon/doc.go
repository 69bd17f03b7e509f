// Package lexicon holds the app's lexicon schemas and validates records
// against them.
//
// A [Catalog] is loaded from the embedded lexicons/ tree with [Load]; its
// [Catalog.ValidateRecord] is the single validator that both the web write
// path and the firehose ingester call, on records in data-model form
// (github.com/bluesky-social/indigo/atproto/atdata). It builds on indigo's
// atproto/lexicon (schema parsing and checking, the catalog) and corrects
// it where indigo disagrees with the atproto interop vectors or, where they
// are silent, with the reference implementation @atproto/lexicon: grapheme
// counting (Unicode 17 rules via clipperhouse/uax29), datetimes, language
// tags, union $type forms, open unions. docs/lexicon-validation.md lists
// every remaining difference with the reference.
//
// The same rules check the query parameters of an XRPC call, parsed by
// their schema ([Catalog.ValidateParams]), and an endpoint's output
// ([Catalog.ValidateOutput]). [Authority] is the NSID authority this
// project owns (org.gostatusphere); its NSIDs are constants here.
//
// Invalid records are reported as a *[ValidationError] with the path of the
// offending value. Fields a schema does not declare are never a reason to
// reject a record.
//
// The package also resolves NSIDs to published schemas ([Resolver]: DNS
// TXT _lexicon.<authority>, DID document, PDS getRecord), publishes the
// app's schemas as com.atproto.lexicon.schema records ([Publish]) and lints
// schemas ([Lint]). It does not generate code: that is internal/lexgen.
package lexicon
