package lexgen

import (
	"fmt"
	"strings"

	"github.com/bluesky-social/indigo/atproto/lexicon"
)

// endpoint writes the types of a query or procedure: <Name>Params (its
// query parameters, as an object), <Name>Input and <Name>Output (the
// bodies' JSON schemas: an object, a union or an alias of a referenced
// type) and one constant per declared error, <Name>Err<Error>.
func (e *emitter) endpoint(kind string, params *lexicon.SchemaParams, input, output *lexicon.SchemaBody, errs []lexicon.SchemaError, desc string) error {
	base := baseName(e.base)
	about := fmt.Sprintf("the %s %s", kind, e.base)
	if params != nil && len(params.Properties) > 0 {
		obj := lexicon.SchemaObject{Type: "object", Properties: params.Properties, Required: params.Required}
		name := base + "Params"
		if err := e.p.claim(name, "the parameters of "+e.base); err != nil {
			return err
		}
		what := "the query parameters of " + about
		e.later(func() error {
			return e.objectAs(name, e.base+" parameters", what, paragraphs(desc, description(params.Description)), obj, false)
		})
	}
	for _, b := range []struct {
		body *lexicon.SchemaBody
		part string
	}{{input, "input"}, {output, "output"}} {
		if err := e.body(b.body, b.part, about, desc); err != nil {
			return fmt.Errorf("%s: %w", b.part, err)
		}
	}
	for _, se := range errs {
		name := base + "Err" + export(se.Name)
		if err := e.p.claim(name, "the error "+se.Name+" of "+e.base); err != nil {
			return err
		}
		e.f.body.WriteString("\n")
		e.docComment("", name, fmt.Sprintf("the error %s of %s", se.Name, about), description(se.Description))
		fmt.Fprintf(&e.f.body, "const %s = %q\n", name, se.Name)
	}
	return nil
}

// body writes <Name>Input or <Name>Output, the type of the endpoint's
// request or response body (part is "input" or "output"), when it is JSON
// with a schema; about names the endpoint.
func (e *emitter) body(b *lexicon.SchemaBody, part, about, desc string) error {
	if b == nil || b.Schema == nil || b.Encoding != "application/json" {
		return nil
	}
	name, what := baseName(e.base)+export(part), part+" of "+about
	desc = paragraphs(desc, description(b.Description))
	switch d := b.Schema.Inner.(type) {
	case lexicon.SchemaObject:
		if err := e.p.claim(name, what); err != nil {
			return err
		}
		e.later(func() error {
			return e.objectAs(name, e.base+" "+part, "the "+what, paragraphs(desc, description(d.Description)), d, false)
		})
		return nil
	case lexicon.SchemaUnion:
		if err := e.p.claim(name, what); err != nil {
			return err
		}
		e.p.unions = true
		e.later(func() error { return e.union(name, baseName(e.base), part, d) })
		return nil
	default:
		t, err := e.typeOf(d, name, "")
		if err != nil {
			return err
		}
		if err := e.p.claim(name, what); err != nil {
			return err
		}
		e.f.body.WriteString("\n")
		e.docComment("", name, "the "+what, desc)
		fmt.Fprintf(&e.f.body, "type %s = %s\n", name, t.expr)
		return nil
	}
}

// paragraphs joins the non-empty texts with blank lines.
func paragraphs(texts ...string) string {
	var out []string
	for _, t := range texts {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return strings.Join(out, "\n\n")
}
