// Package lexindex is the lexicon aggregator's logic over the index that
// internal/collection's LexiconSchema handler fills from the stream and
// the backfill: authority checks of NSIDs against their _lexicon DNS TXT
// records ([Checker], cached with short TTLs, bounded by timeouts),
// resolution of an NSID to its authoritative schema ([Index.Resolve]),
// the data of the index and schema pages (versions with the
// breaking-change verdict of lexicon.BreakingChanges, diffs, references
// both ways) and validation of records against indexed schemas.
//
// # Invariant
//
// Only a live, valid version published by the DID that the NSID's
// authority names is ever served as the schema of an NSID (resolution and
// validation); other publishers' copies are shown, labelled. A failed DNS
// lookup is a state of its own ("failed"), never a verdict of "not
// authoritative".
//
// It does not fetch anything from PDSes (the index is filled by the
// stream and the backfill) and renders nothing (internal/web does).
package lexindex
