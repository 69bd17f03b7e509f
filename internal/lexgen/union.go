package lexgen

import (
	"fmt"

	"github.com/bluesky-social/indigo/atproto/lexicon"
)

// variant is one member of a union: a struct field pointing to its type.
type variant struct {
	field, typeExpr, key string
	info                 *defInfo
}

// union writes a struct type with one pointer per variant (and, for an
// open union, the raw JSON of an unlisted variant).
func (e *emitter) union(name, owner, prop string, s lexicon.SchemaUnion) error {
	closed := s.Closed != nil && *s.Closed
	vars, err := e.unionVariants(prop, s)
	if err != nil {
		return err
	}
	e.use("encoding/json", "")
	e.use("fmt", "")
	where := fmt.Sprintf("%s.%s in %s", owner, prop, e.base)
	e.unionStruct(name, where, s.Description, vars, closed)
	e.unionMarshal(name, where, vars, closed)
	e.unionUnmarshal(name, where, vars, closed)
	return nil
}

// unionVariants resolves the union's refs to variants with field names
// that collide with nothing.
func (e *emitter) unionVariants(prop string, s lexicon.SchemaUnion) ([]variant, error) {
	var vars []variant
	used := map[string]bool{"Unknown": true}
	for _, r := range s.Refs {
		info, err := e.g.lookup(e.base, r)
		if err != nil {
			return nil, fmt.Errorf("union %s: %w", prop, err)
		}
		if !info.object {
			return nil, fmt.Errorf("union %s: %q is not an object or record", prop, r)
		}
		fname := info.typeName
		if info.pkg != e.p {
			fname = export(info.pkg.name) + fname
		}
		for used[fname] || reservedField(fname) {
			fname += "_"
		}
		used[fname] = true
		vars = append(vars, variant{field: fname, typeExpr: e.qualify(info), key: canonicalType(info.ref), info: info})
	}
	return vars, nil
}

// unionStruct writes the union's struct type.
func (e *emitter) unionStruct(name, where string, desc *string, vars []variant, closed bool) {
	b := &e.f.body
	kind := "open"
	if closed {
		kind = "closed"
	}
	fmt.Fprintf(b, "\n// %s is the %s union %s: exactly one variant is set", name, kind, where)
	if !closed {
		b.WriteString(", or Unknown for a variant the schema does not list")
	}
	b.WriteString(".\n")
	if d := description(desc); d != "" {
		b.WriteString("//\n" + goComment("// ", d))
	}
	fmt.Fprintf(b, "type %s struct {\n", name)
	for _, v := range vars {
		fmt.Fprintf(b, "\t// %s is the variant %s.\n\t%s *%s\n", v.field, v.key, v.field, v.typeExpr)
	}
	if !closed {
		b.WriteString("\t// Unknown is a variant the schema does not list, verbatim with its $type.\n\tUnknown json.RawMessage\n")
	}
	b.WriteString("}\n")
}

// unionMarshal writes the MarshalJSON method: the variant that is set,
// with its $type.
func (e *emitter) unionMarshal(name, where string, vars []variant, closed bool) {
	b := &e.f.body
	fmt.Fprintf(b, "\n// MarshalJSON encodes the variant that is set, with its $type.\n")
	fmt.Fprintf(b, "func (u %s) MarshalJSON() ([]byte, error) {\n\tswitch {\n", name)
	for _, v := range vars {
		fmt.Fprintf(b, "\tcase u.%s != nil:\n", v.field)
		if v.info.record {
			fmt.Fprintf(b, "\t\treturn marshalJSON(u.%s)\n", v.field)
			continue
		}
		fmt.Fprintf(b, "\t\tb, err := marshalJSON(u.%s)\n\t\tif err != nil {\n\t\t\treturn nil, err\n\t\t}\n", v.field)
		fmt.Fprintf(b, "\t\tif _, ok := u.%s.Extra[\"$type\"]; !ok {\n\t\t\tb = withType(b, %q)\n\t\t}\n\t\treturn b, nil\n", v.field, v.key)
	}
	if !closed {
		b.WriteString("\tcase u.Unknown != nil:\n\t\treturn u.Unknown, nil\n")
	}
	fmt.Fprintf(b, "\t}\n\treturn nil, fmt.Errorf(\"encoding %%s: no variant is set\", %q)\n}\n", where)
}

// unionUnmarshal writes the UnmarshalJSON method: the variant its $type
// names (or Unknown, for an open union).
func (e *emitter) unionUnmarshal(name, where string, vars []variant, closed bool) {
	b := &e.f.body
	fmt.Fprintf(b, "\n// UnmarshalJSON decodes the variant its $type names.\n")
	fmt.Fprintf(b, "func (u *%s) UnmarshalJSON(data []byte) error {\n", name)
	fmt.Fprintf(b, "\tt, err := unionType(data, %q)\n\tif err != nil {\n\t\treturn err\n\t}\n", where)
	fmt.Fprintf(b, "\tvar out %s\n\tswitch unionKey(t) {\n", name)
	for _, v := range vars {
		fmt.Fprintf(b, "\tcase %q:\n\t\tout.%s = new(%s)\n\t\terr = json.Unmarshal(data, out.%s)\n", v.key, v.field, v.typeExpr, v.field)
	}
	b.WriteString("\tdefault:\n")
	if closed {
		fmt.Fprintf(b, "\t\treturn fmt.Errorf(\"decoding %%s: $type %%q is not a variant of this closed union\", %q, t)\n", where)
	} else {
		b.WriteString("\t\tout.Unknown = append(json.RawMessage(nil), data...)\n")
	}
	fmt.Fprintf(b, "\t}\n\tif err != nil {\n\t\treturn fmt.Errorf(\"decoding %%s: %%w\", %q, err)\n\t}\n\t*u = out\n\treturn nil\n}\n", where)
}
