package lexicon

import (
	"slices"
	"strings"

	"github.com/bluesky-social/indigo/atproto/lexicon"
	"github.com/bluesky-social/indigo/atproto/syntax"
)

// RefNSIDs lists the other schemas sf refers to (refs and union members,
// by NSID, fragments dropped, its own NSID left out), sorted: what the
// lexicon index shows as "uses" and, the other way, "used by".
func RefNSIDs(sf *lexicon.SchemaFile) []syntax.NSID {
	var out []syntax.NSID
	for _, ref := range refsOf(sf) {
		id, _, _ := strings.Cut(ref, "#")
		nsid, err := syntax.ParseNSID(id)
		if err != nil || id == sf.ID {
			continue
		}
		if len(out) == 0 || out[len(out)-1] != nsid {
			out = append(out, nsid)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
