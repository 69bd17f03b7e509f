// Package lexgen generates Go types from lexicon schemas: the code behind
// `statusphere lex gen`, which writes internal/gen.
//
// [Generate] turns each record and object definition into a struct, each
// union into a struct with one pointer per variant (plus the raw JSON of an
// unlisted variant, for open unions), tokens into constants and other named
// definitions into type aliases; every schema gets its NSID as a constant.
// A query or procedure gets <Name>Params (its parameters, as an object the
// handler decodes validated parameters into), <Name>Input and <Name>Output
// (its JSON bodies) and a constant <Name>Err<Error> per declared error; a
// reference there to a schema outside the generated set is kept as raw
// JSON.
// The types marshal to and from JSON, set "$type" where the protocol needs
// it (records, union variants), and keep every field the schema does not
// declare in an Extra map, so that decoding and re-encoding a record returns
// all of its fields, nested objects and union variants included. Nullable
// fields are wrapped in the generated Nullable type, optional ones pointers (or nil slices).
//
// The output is deterministic and gofmt'd; [WriteDir] writes it and removes
// generated files that are no longer produced. lexgen does not validate
// data: that is internal/lexicon.
package lexgen
