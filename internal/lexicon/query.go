package lexicon

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"

	"github.com/bluesky-social/indigo/atproto/lexicon"
	"github.com/bluesky-social/indigo/atproto/syntax"
)

// endpoint returns the parameters and output of the query or procedure
// nsid.
func (c *Catalog) endpoint(nsid syntax.NSID) (*lexicon.SchemaParams, *lexicon.SchemaBody, error) {
	s, err := c.resolve(string(nsid))
	if err != nil {
		return nil, nil, err
	}
	switch d := s.Def.(type) {
	case lexicon.SchemaQuery:
		return d.Parameters, d.Output, nil
	case lexicon.SchemaProcedure:
		return d.Parameters, d.Output, nil
	}
	return nil, nil, fmt.Errorf("schema %s is not a query or procedure", nsid)
}

// ValidateParams parses the query parameters of a call to the endpoint
// nsid by its schema and validates them: each declared parameter is
// decoded to its type (integer → int64, boolean → bool, string, array →
// []any of those), checked like a record field (bounds, formats, lengths),
// and a missing one takes its default. Parameters the schema does not
// declare are ignored, as the XRPC spec asks. It returns the declared
// parameters in data-model form, or a *[ValidationError] whose Path names
// the parameter.
func (c *Catalog) ValidateParams(nsid syntax.NSID, q url.Values) (map[string]any, error) {
	v := validator{c: c, nsid: nsid}
	params, _, err := c.endpoint(nsid)
	if err != nil {
		return nil, v.fail("", "no endpoint schema", err)
	}
	out := map[string]any{}
	if params == nil {
		return out, nil
	}
	for _, k := range slices.Concat(params.Required, slices.Sorted(maps.Keys(params.Properties))) {
		if _, done := out[k]; done {
			continue
		}
		def := params.Properties[k].Inner
		val, present, err := v.param(k, def, q[k])
		if err != nil {
			return nil, err
		}
		switch {
		case present:
			out[k] = val
		case defaultOf(def) != nil:
			out[k] = defaultOf(def)
		case slices.Contains(params.Required, k):
			return nil, v.fail(k, "required parameter is missing", nil)
		}
	}
	return out, nil
}

// param decodes and checks the values of one parameter.
func (v *validator) param(key string, def any, vals []string) (any, bool, error) {
	if len(vals) == 0 {
		return nil, false, nil
	}
	if arr, ok := def.(lexicon.SchemaArray); ok {
		items := make([]any, len(vals))
		for i, s := range vals {
			d, err := v.scalar(index(key, i), arr.Items.Inner, s)
			if err != nil {
				return nil, false, err
			}
			items[i] = d
		}
		return items, true, v.value("", key, def, items)
	}
	if len(vals) > 1 {
		return nil, false, v.fail(key, fmt.Sprintf("must be given once, is given %d times", len(vals)), nil)
	}
	d, err := v.scalar(key, def, vals[0])
	if err != nil {
		return nil, false, err
	}
	return d, true, v.value("", key, def, d)
}

// scalar decodes one parameter value by its schema type.
func (v *validator) scalar(path string, def any, s string) (any, error) {
	switch def.(type) {
	case lexicon.SchemaInteger:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, v.fail(path, fmt.Sprintf("must be an integer, is %q", s), nil)
		}
		return n, nil
	case lexicon.SchemaBoolean:
		switch s {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, v.fail(path, fmt.Sprintf("must be true or false, is %q", s), nil)
	case lexicon.SchemaString:
		return s, nil
	}
	return nil, v.fail(path, fmt.Sprintf("parameters of schema type %T are not supported", def), nil)
}

// defaultOf returns the default value a parameter schema declares, in
// data-model form, or nil.
func defaultOf(def any) any {
	switch d := def.(type) {
	case lexicon.SchemaInteger:
		if d.Default != nil {
			return int64(*d.Default)
		}
	case lexicon.SchemaBoolean:
		if d.Default != nil {
			return *d.Default
		}
	case lexicon.SchemaString:
		if d.Default != nil {
			return *d.Default
		}
	}
	return nil
}

// ValidateOutput checks the body of a response of the endpoint nsid, in
// data-model form (as [DecodeJSON] returns it), against the endpoint's
// output schema, with the rules of [Catalog.ValidateRecord]. The error is
// a *[ValidationError].
func (c *Catalog) ValidateOutput(nsid syntax.NSID, body map[string]any) error {
	v := validator{c: c, nsid: nsid}
	_, output, err := c.endpoint(nsid)
	if err != nil {
		return v.fail("", "no endpoint schema", err)
	}
	if output == nil || output.Schema == nil {
		return v.fail("", "the endpoint declares no output schema", nil)
	}
	if body == nil {
		return v.fail("", "output is missing", nil)
	}
	return v.value(string(nsid), "", output.Schema.Inner, body)
}

// ValidateOutputJSON decodes a response body with [DecodeJSON] and checks
// it with [Catalog.ValidateOutput].
func (c *Catalog) ValidateOutputJSON(nsid syntax.NSID, b []byte) error {
	body, err := DecodeJSON(b)
	if err != nil {
		return &ValidationError{NSID: nsid, Reason: "not valid atproto JSON data: " + err.Error(), Err: err}
	}
	return c.ValidateOutput(nsid, body)
}
