package lexindex

import (
	"context"
	"fmt"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/store"
)

// usedByLimit bounds the "used by" list of a schema page.
const usedByLimit = 200

// Verdicts of a copy of a schema, as [Verdict] names them.
const (
	VerdictAuthoritative = store.VerdictAuthoritative
	VerdictNotAuthority  = store.VerdictNotAuthority
	VerdictNoAuthority   = store.VerdictNoAuthority
	VerdictLookupFailed  = store.VerdictLookupFailed
	VerdictPending       = store.VerdictPending
)

// Verdict says whether r is its NSID's authoritative copy.
func Verdict(r store.LexiconRecord) string { return r.Verdict() }

// Version is one version of a record with its breaking-change verdict
// against the previous valid version (none for the first).
type Version struct {
	store.LexiconVersion
	// Previous is the ID of the valid version it is compared with (0: none).
	Previous int64
	Issues   []lexicon.LintIssue
	Breaking bool
}

// SchemaPage is the data of a schema page: every copy of the NSID, the one
// shown (the authoritative one, else the first live one), its versions,
// and references both ways.
type SchemaPage struct {
	NSID      syntax.NSID
	Authority store.LexiconAuthority // State "pending" when never checked
	Copies    []store.LexiconRecord
	Shown     store.LexiconRecord
	Versions  []Version
	// Current is the shown copy's current version (empty if deleted).
	Current store.LexiconVersion
	Uses    []syntax.NSID
	UsedBy  []store.LexiconRecord
}

// Schema gathers the page of nsid; uri, when not empty, picks the copy
// shown. An NSID with no record at all is ErrNotFound.
func (x *Index) Schema(ctx context.Context, nsid syntax.NSID, uri syntax.ATURI) (*SchemaPage, error) {
	copies, err := x.st.LexiconCopies(ctx, nsid)
	if err != nil {
		return nil, err
	}
	if len(copies) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, nsid)
	}
	p := &SchemaPage{NSID: nsid, Copies: copies, Shown: pickCopy(copies, uri)}
	p.Authority = store.LexiconAuthority{Authority: p.Shown.Authority, State: p.Shown.AuthorityState, DID: p.Shown.AuthorityDID}
	if a, err := x.st.LexiconAuthority(ctx, p.Shown.Authority); err == nil {
		p.Authority = a
	}
	vs, err := x.st.LexiconVersions(ctx, p.Shown.URI)
	if err != nil {
		return nil, err
	}
	p.Versions = Versions(vs)
	for _, v := range vs {
		if v.ID == p.Shown.VersionID && !v.Deleted {
			p.Current = v
		}
	}
	if p.Current.Invalid == "" && len(p.Current.Schema) > 0 {
		if sf, err := lexicon.ParseSchema(p.Current.Schema); err == nil {
			p.Uses = lexicon.RefNSIDs(sf)
		}
	}
	if p.UsedBy, err = x.st.LexiconUsedBy(ctx, nsid, usedByLimit); err != nil {
		return nil, err
	}
	return p, nil
}

// pickCopy returns the copy at uri, else the authoritative one, else the
// first live one, else the first.
func pickCopy(copies []store.LexiconRecord, uri syntax.ATURI) store.LexiconRecord {
	for _, c := range copies {
		if uri != "" && c.URI == uri {
			return c
		}
	}
	for _, c := range copies {
		if c.Authoritative() && !c.Deleted {
			return c
		}
	}
	for _, c := range copies {
		if !c.Deleted {
			return c
		}
	}
	return copies[0]
}

// Versions gives each valid version (oldest first) the breaking-change
// verdict of lexicon.BreakingChanges against the valid version before it.
func Versions(vs []store.LexiconVersion) []Version {
	out := make([]Version, len(vs))
	var (
		prev   *store.LexiconVersion
		prevSF = (*lexiconFile)(nil)
	)
	for i, v := range vs {
		out[i] = Version{LexiconVersion: v}
		if v.Deleted || v.Invalid != "" {
			continue
		}
		sf, err := lexicon.ParseSchema(v.Schema)
		if err != nil {
			continue
		}
		if prev != nil {
			out[i].Previous = prev.ID
			out[i].Issues, out[i].Breaking = breaking(prevSF, sf)
		}
		prev, prevSF = &vs[i], sf
	}
	return out
}

// breaking lists the changes from before to after and whether any of them
// breaks data (an issue of level error).
func breaking(before, after *lexiconFile) ([]lexicon.LintIssue, bool) {
	issues := lexicon.BreakingChanges(before, after)
	for _, li := range issues {
		if li.Level == "error" {
			return issues, true
		}
	}
	return issues, false
}
