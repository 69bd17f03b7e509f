package lexicon

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"github.com/bluesky-social/indigo/atproto/lexicon"
	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/bluesky-social/indigo/lex/lexlint"
)

// LintIssue is one finding of [Catalog.Lint] or [BreakingChanges].
type LintIssue struct {
	NSID syntax.NSID
	// Level is "error" or "warn".
	Level string
	// Name identifies the check, e.g. "missing-primary-description".
	Name    string
	Message string
}

// String returns "<level> <nsid> [<name>] <message>".
func (i LintIssue) String() string {
	return i.Level + " " + string(i.NSID) + " [" + i.Name + "] " + i.Message
}

// Lint runs indigo's lexlint checks (schema structure, naming, missing
// descriptions, unbounded strings, …) on every schema of the catalog, and
// checks that every reference resolves within the catalog. Issues come
// sorted.
func (c *Catalog) Lint() []LintIssue {
	var out []LintIssue
	for _, d := range c.Docs() {
		for _, li := range lexlint.LintSchemaFile(d.File) {
			out = append(out, fromLexlint(li))
		}
		for _, ref := range refsOf(d.File) {
			if _, err := c.resolve(ref); err != nil {
				out = append(out, LintIssue{NSID: d.NSID, Level: "warn", Name: "unresolved-ref",
					Message: "reference " + ref + " does not resolve within these lexicons"})
			}
		}
	}
	sortIssues(out)
	return out
}

// BreakingChanges lists the changes from before to after that break data
// valid under either version (indigo lexlint's checks: type changes, new
// required fields, tightened limits, closed unions, …). Issues come sorted.
func BreakingChanges(before, after *lexicon.SchemaFile) []LintIssue {
	var out []LintIssue
	for _, li := range lexlint.BreakingChanges(before, after) {
		out = append(out, fromLexlint(li))
	}
	sortIssues(out)
	return out
}

func fromLexlint(li lexlint.LintIssue) LintIssue {
	return LintIssue{NSID: li.NSID, Level: li.LintLevel, Name: li.LintName, Message: li.Message}
}

func sortIssues(issues []LintIssue) {
	slices.SortFunc(issues, func(a, b LintIssue) int {
		return cmp.Or(strings.Compare(string(a.NSID), string(b.NSID)), strings.Compare(a.Level, b.Level),
			strings.Compare(a.Name, b.Name), strings.Compare(a.Message, b.Message))
	})
}

// refsOf lists the full references (NSID#name) a schema makes, sorted.
func refsOf(sf *lexicon.SchemaFile) []string {
	seen := map[string]bool{}
	var walk func(def any)
	add := func(ref string) {
		if strings.HasPrefix(ref, "#") {
			ref = sf.ID + ref
		}
		seen[ref] = true
	}
	walkObject := func(o lexicon.SchemaObject) {
		for _, p := range o.Properties {
			walk(p.Inner)
		}
	}
	walk = func(def any) {
		switch d := def.(type) {
		case lexicon.SchemaRecord:
			walkObject(d.Record)
		case lexicon.SchemaObject:
			walkObject(d)
		case lexicon.SchemaArray:
			walk(d.Items.Inner)
		case lexicon.SchemaRef:
			add(d.Ref)
		case lexicon.SchemaUnion:
			for _, r := range d.Refs {
				add(r)
			}
		case lexicon.SchemaQuery:
			if d.Output != nil && d.Output.Schema != nil {
				walk(d.Output.Schema.Inner)
			}
		case lexicon.SchemaProcedure:
			if d.Input != nil && d.Input.Schema != nil {
				walk(d.Input.Schema.Inner)
			}
			if d.Output != nil && d.Output.Schema != nil {
				walk(d.Output.Schema.Inner)
			}
		case lexicon.SchemaSubscription:
			walk(d.Message.Schema)
		}
	}
	for _, d := range sf.Defs {
		walk(d.Inner)
	}
	return slices.Sorted(maps.Keys(seen))
}
