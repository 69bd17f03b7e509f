package lexgen

import (
	"fmt"
	"strings"

	"github.com/bluesky-social/indigo/atproto/lexicon"
)

// emitter writes the declarations of one schema file.
type emitter struct {
	g    *generator
	p    *pkg
	f    *file
	base string // the schema's NSID, for local references
	// queue holds inline types still to write, in order.
	queue []func() error
	// external is set while writing an endpoint's types: a reference to a
	// schema outside the ones generated becomes raw JSON there, since an
	// API may carry types this code never needs to look into.
	external bool
}

// later queues fn, to run with the current external setting.
func (e *emitter) later(fn func() error) {
	external := e.external
	e.queue = append(e.queue, func() error {
		prev := e.external
		e.external = external
		defer func() { e.external = prev }()
		return fn()
	})
}

func (g *generator) emitSchema(sf *lexicon.SchemaFile) error {
	p, err := g.pkgFor(sf.ID)
	if err != nil {
		return err
	}
	f := &file{nsid: sf.ID, name: strings.ToLower(sf.ID[strings.LastIndexByte(sf.ID, '.')+1:]) + ".go", imports: map[string]string{}}
	for _, other := range p.files {
		if other.name == f.name {
			return fmt.Errorf("file name %s is wanted by both %s and %s", f.name, other.nsid, sf.ID)
		}
	}
	p.files = append(p.files, f)
	e := &emitter{g: g, p: p, f: f, base: sf.ID}
	desc := ""
	if sf.Description != nil {
		desc = *sf.Description
	}
	constName := baseName(sf.ID) + "NSID"
	fmt.Fprintf(&f.body, "// %s is the NSID of the lexicon schema %s.\n", constName, sf.ID)
	if desc != "" {
		f.body.WriteString("//\n")
		f.body.WriteString(goComment("// ", desc))
	}
	fmt.Fprintf(&f.body, "const %s = %q\n", constName, sf.ID)
	for _, name := range defOrder(sf) {
		if err := e.definition(name, sf.Defs[name].Inner); err != nil {
			return fmt.Errorf("definition %s: %w", name, err)
		}
		for len(e.queue) > 0 {
			next := e.queue[0]
			e.queue = e.queue[1:]
			if err := next(); err != nil {
				return fmt.Errorf("definition %s: %w", name, err)
			}
		}
	}
	return nil
}

// definition writes one named definition: a data type, or the types of
// an endpoint; subscriptions and permission sets have none.
func (e *emitter) definition(name string, def any) error {
	switch d := def.(type) {
	case lexicon.SchemaQuery:
		e.external = true
		defer func() { e.external = false }()
		return e.endpoint("query", d.Parameters, nil, d.Output, d.Errors, description(d.Description))
	case lexicon.SchemaProcedure:
		e.external = true
		defer func() { e.external = false }()
		return e.endpoint("procedure", d.Parameters, d.Input, d.Output, d.Errors, description(d.Description))
	}
	info, ok := e.g.defs[e.base+"#"+name]
	if !ok {
		return nil
	}
	return e.named(info, def)
}

func description(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// named writes a named definition.
func (e *emitter) named(info *defInfo, def any) error {
	switch d := def.(type) {
	case lexicon.SchemaRecord:
		return e.object(info.typeName, info.ref, description(d.Description), d.Record, true)
	case lexicon.SchemaObject:
		return e.object(info.typeName, info.ref, description(d.Description), d, false)
	case lexicon.SchemaToken:
		e.docComment("", info.typeName, "the token "+info.ref, description(d.Description))
		fmt.Fprintf(&e.f.body, "const %s = %q\n", info.typeName, canonicalType(info.ref))
		return nil
	default:
		t, err := e.typeOf(def, info.typeName, "")
		if err != nil {
			return err
		}
		e.docComment("", info.typeName, "the definition "+info.ref, schemaDescription(def))
		fmt.Fprintf(&e.f.body, "type %s = %s\n", info.typeName, t.expr)
		return nil
	}
}

// schemaDescription returns the description of a field schema, if any.
func schemaDescription(def any) string {
	switch d := def.(type) {
	case lexicon.SchemaBoolean:
		return description(d.Description)
	case lexicon.SchemaInteger:
		return description(d.Description)
	case lexicon.SchemaString:
		return description(d.Description)
	case lexicon.SchemaBytes:
		return description(d.Description)
	case lexicon.SchemaCIDLink:
		return description(d.Description)
	case lexicon.SchemaBlob:
		return description(d.Description)
	case lexicon.SchemaArray:
		return description(d.Description)
	case lexicon.SchemaObject:
		return description(d.Description)
	case lexicon.SchemaRef:
		return description(d.Description)
	case lexicon.SchemaUnion:
		return description(d.Description)
	case lexicon.SchemaUnknown:
		return description(d.Description)
	}
	return ""
}

// docComment writes "// Name is <what>.", then the schema's description as
// a paragraph of its own.
func (e *emitter) docComment(indent, name, what, desc string) {
	e.f.body.WriteString(goComment(indent+"// ", fmt.Sprintf("%s is %s.", name, what)))
	if strings.TrimSpace(desc) != "" {
		e.f.body.WriteString(indent + "//\n")
		e.f.body.WriteString(goComment(indent+"// ", desc))
	}
}
