package collection

import "github.com/bluesky-social/indigo/atproto/syntax"

// replaceRows is the Replace of a handler whose rows are T: each record
// becomes a row (row), or is reported invalid and its URI removed; replace
// writes the repository's rows in one go and returns the URIs it removed,
// reported as deletes.
func replaceRows[T any](recs []Record, row func(Record) (T, error), replace func(rows []T, bad []syntax.ATURI) ([]syntax.ATURI, error)) ([]Result, error) {
	rows := make([]T, 0, len(recs))
	var (
		bad []syntax.ATURI
		out []Result
	)
	for _, rec := range recs {
		r, invalid := row(rec)
		if invalid != nil {
			bad = append(bad, rec.URI())
			out = append(out, Result{Action: "update", URI: rec.URI(), Invalid: invalid})
			continue
		}
		rows = append(rows, r)
	}
	removed, err := replace(rows, bad)
	if err != nil {
		return nil, err
	}
	for _, u := range removed {
		out = append(out, Result{Action: "delete", URI: u})
	}
	return out, nil
}
