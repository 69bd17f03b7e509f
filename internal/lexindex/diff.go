package lexindex

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	indigolex "github.com/bluesky-social/indigo/atproto/lexicon"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/lexicon"
)

// lexiconFile is a parsed schema document.
type lexiconFile = indigolex.SchemaFile

// maxDiffLines bounds each side of a diff (the line diff is quadratic).
const maxDiffLines = 2000

// DiffLine is one line of a diff: Op is ' ' (both), '-' (only in From) or
// '+' (only in To).
type DiffLine struct {
	Op   byte
	Text string
}

// Diff compares two versions of one record.
type Diff struct {
	URI      syntax.ATURI
	From, To Version
	Lines    []DiffLine
	Issues   []lexicon.LintIssue
	Breaking bool
}

// Diff compares versions from and to of the record at uri: a line diff
// of their indented JSON and the breaking-change verdict from from to to
// (when both are valid schemas).
func (x *Index) Diff(ctx context.Context, uri syntax.ATURI, from, to int64) (*Diff, error) {
	vs, err := x.st.LexiconVersions(ctx, uri)
	if err != nil {
		return nil, err
	}
	d := &Diff{URI: uri}
	found := 0
	for _, v := range Versions(vs) {
		if v.ID == from {
			d.From, found = v, found+1
		}
		if v.ID == to {
			d.To, found = v, found+1
		}
	}
	if found != 2 {
		return nil, fmt.Errorf("%w: versions %d and %d of %s", ErrNotFound, from, to, uri)
	}
	d.Lines = LineDiff(indent(d.From.Schema), indent(d.To.Schema))
	a, errA := lexicon.ParseSchema(d.From.Schema)
	b, errB := lexicon.ParseSchema(d.To.Schema)
	if errA == nil && errB == nil && !d.From.Deleted && !d.To.Deleted {
		d.Issues, d.Breaking = breaking(a, b)
	}
	return d, nil
}

// indent returns js indented, one line per element (js itself when it is
// not JSON).
func indent(js []byte) []string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, js, "", "  "); err != nil {
		buf.Reset()
		buf.Write(js)
	}
	if buf.Len() == 0 {
		return nil
	}
	return strings.Split(buf.String(), "\n")
}

// LineDiff returns the shortest edit from a to b, line by line (longest
// common subsequence). Sides longer than maxDiffLines are cut.
func LineDiff(a, b []string) []DiffLine {
	a, b = a[:min(len(a), maxDiffLines)], b[:min(len(b), maxDiffLines)]
	// lcs[i][j]: the longest common subsequence of a[i:] and b[j:].
	lcs := make([][]int32, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	out := make([]DiffLine, 0, max(len(a), len(b)))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			out = append(out, DiffLine{' ', a[i]})
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, DiffLine{'-', a[i]})
			i++
		default:
			out = append(out, DiffLine{'+', b[j]})
			j++
		}
	}
	for ; i < len(a); i++ {
		out = append(out, DiffLine{'-', a[i]})
	}
	for ; j < len(b); j++ {
		out = append(out, DiffLine{'+', b[j]})
	}
	return out
}
