package lexgen

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/bluesky-social/indigo/atproto/lexicon"
)

// field is one declared property of an object.
type field struct {
	key, name string
	t         goType
	required  bool
	nullable  bool
	def       any
	dflt      string // Go literal of the schema default, if any
}

// fieldType is the Go type of the struct field: T when required, *T (or a
// nil-able T) when optional, Nullable[T] when nullable.
func (f field) fieldType() string {
	switch {
	case f.nullable && f.required:
		return "Nullable[" + f.t.expr + "]"
	case f.nullable:
		return "*Nullable[" + f.t.expr + "]"
	case f.required || f.t.nilable:
		return f.t.expr
	default:
		return "*" + f.t.expr
	}
}

func defaultLiteral(def any) string {
	switch d := def.(type) {
	case lexicon.SchemaString:
		if d.Default != nil && d.Format == nil {
			return strconv.Quote(*d.Default)
		}
	case lexicon.SchemaInteger:
		if d.Default != nil {
			return strconv.Itoa(*d.Default)
		}
	case lexicon.SchemaBoolean:
		if d.Default != nil {
			return strconv.FormatBool(*d.Default)
		}
	}
	return ""
}

// reservedField reports the names generated types use themselves.
func reservedField(name string) bool {
	switch name {
	case "Extra", "LexiconType", "MarshalJSON", "UnmarshalJSON":
		return true
	}
	return false
}

// object writes a struct type for an object (or a record's object) with
// JSON methods that keep undeclared fields.
func (e *emitter) object(name, ref, desc string, s lexicon.SchemaObject, record bool) error {
	what := "the object " + canonicalType(ref)
	if record {
		what = "the record " + canonicalType(ref)
	}
	return e.objectAs(name, ref, what, desc, s, record)
}

// objectAs is [emitter.object] with the doc comment's "<name> is <what>".
func (e *emitter) objectAs(name, ref, what, desc string, s lexicon.SchemaObject, record bool) error {
	fields, err := e.objectFields(name, s)
	if err != nil {
		return err
	}
	e.use("encoding/json", "")
	ref = canonicalType(ref)
	e.objectStruct(name, what, desc, fields, record)
	e.objectMarshal(name, ref, fields, record)
	e.objectUnmarshal(name, ref, fields, record)
	return nil
}

// objectFields returns the declared properties of s as struct fields, in
// key order, with Go names that collide with nothing.
func (e *emitter) objectFields(name string, s lexicon.SchemaObject) ([]field, error) {
	keys := make([]string, 0, len(s.Properties))
	for k := range s.Properties {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	used := map[string]bool{}
	var fields []field
	for _, k := range keys {
		def := s.Properties[k].Inner
		fname := export(k)
		for reservedField(fname) || used[fname] {
			fname += "_"
		}
		used[fname] = true
		t, err := e.typeOf(def, name, k)
		if err != nil {
			return nil, fmt.Errorf("property %q: %w", k, err)
		}
		fields = append(fields, field{
			key: k, name: fname, t: t, def: def,
			required: slices.Contains(s.Required, k),
			nullable: slices.Contains(s.Nullable, k),
			dflt:     defaultLiteral(def),
		})
	}
	return fields, nil
}

// objectStruct writes the struct type, one documented field per property
// plus Extra, and a record's LexiconType method.
func (e *emitter) objectStruct(name, what, desc string, fields []field, record bool) {
	b := &e.f.body
	b.WriteString("\n")
	e.docComment("", name, what, desc)
	fmt.Fprintf(b, "type %s struct {\n", name)
	for _, f := range fields {
		b.WriteString(goComment("\t// ", f.doc()))
		fmt.Fprintf(b, "\t%s %s\n", f.name, f.fieldType())
	}
	b.WriteString("\t// Extra holds the fields the schema does not declare, verbatim.\n")
	b.WriteString("\tExtra map[string]json.RawMessage\n}\n")

	if record {
		fmt.Fprintf(b, "\n// LexiconType returns the record's $type, %s.\n", canonicalType(e.base))
		fmt.Fprintf(b, "func (%s) LexiconType() string { return %sNSID }\n", name, baseName(e.base))
	}
}

// doc is the comment of the struct field: its key, whether it is required
// or nullable, its format and the schema's description.
func (f field) doc() string {
	notes := []string{fmt.Sprintf("%q", f.key)}
	if f.required {
		notes = append(notes, "required")
	} else {
		notes = append(notes, "optional")
	}
	if f.nullable {
		notes = append(notes, "nullable")
	}
	if str, ok := f.def.(lexicon.SchemaString); ok && str.Format != nil {
		notes = append(notes, "format "+*str.Format)
	}
	line := f.name + " is " + strings.Join(notes, ", ")
	if d := sentence(schemaDescription(f.def)); d != "" {
		line += ": " + d
	}
	return line + "."
}

// objectMarshal writes the MarshalJSON method: $type, the declared fields,
// then Extra.
func (e *emitter) objectMarshal(name, ref string, fields []field, record bool) {
	b := &e.f.body
	declared := []string{strconv.Quote("$type")}
	for _, f := range fields {
		declared = append(declared, strconv.Quote(f.key))
	}
	fmt.Fprintf(b, "\n// MarshalJSON encodes v: $type first%s, the declared fields, then every field of Extra.\n",
		map[bool]string{true: "", false: " (from Extra, if there)"}[record])
	fmt.Fprintf(b, "func (v %s) MarshalJSON() ([]byte, error) {\n\tvar e objectEncoder\n", name)
	if record {
		fmt.Fprintf(b, "\te.field(\"$type\", %sNSID)\n", baseName(e.base))
	} else {
		b.WriteString("\te.typeFrom(v.Extra)\n")
	}
	for _, f := range fields {
		k := strconv.Quote(f.key)
		switch {
		case f.required && !f.nullable && f.t.nilable && strings.HasPrefix(f.t.expr, "[]"):
			fmt.Fprintf(b, "\te.field(%s, nonNil(v.%s))\n", k, f.name)
		case f.required:
			fmt.Fprintf(b, "\te.field(%s, v.%s)\n", k, f.name)
		default:
			fmt.Fprintf(b, "\tif v.%s != nil {\n\t\te.field(%s, v.%s)\n\t}\n", f.name, k, f.name)
		}
	}
	fmt.Fprintf(b, "\treturn e.finish(%q, v.Extra", ref)
	if len(declared) > 0 {
		b.WriteString(", " + strings.Join(declared, ", "))
	}
	b.WriteString(")\n}\n")
}

// objectUnmarshal writes the UnmarshalJSON method, which keeps undeclared
// fields in Extra.
func (e *emitter) objectUnmarshal(name, ref string, fields []field, record bool) {
	b := &e.f.body
	fmt.Fprintf(b, "\n// UnmarshalJSON decodes v, keeping undeclared fields in Extra.\n")
	fmt.Fprintf(b, "func (v *%s) UnmarshalJSON(data []byte) error {\n", name)
	fmt.Fprintf(b, "\td, err := newObjectDecoder(data, %q)\n\tif err != nil {\n\t\treturn err\n\t}\n", ref)
	if record {
		fmt.Fprintf(b, "\tif err := d.checkType(%sNSID); err != nil {\n\t\treturn err\n\t}\n", baseName(e.base))
	}
	fmt.Fprintf(b, "\tvar out %s\n", name)
	for _, f := range fields {
		e.takeField(f)
	}
	b.WriteString("\tout.Extra = d.extra()\n\t*v = out\n\treturn nil\n}\n")
}

// takeField writes the statements of UnmarshalJSON that decode one field.
func (e *emitter) takeField(f field) {
	b := &e.f.body
	k := strconv.Quote(f.key)
	switch {
	case f.required:
		fmt.Fprintf(b, "\tif ok, err := d.take(%s, &out.%s, %t); err != nil {\n\t\treturn err\n\t} else if !ok {\n", k, f.name, f.nullable)
		if f.dflt != "" && !f.nullable {
			fmt.Fprintf(b, "\t\tout.%s = %s\n\t}\n", f.name, f.dflt)
		} else {
			fmt.Fprintf(b, "\t\treturn d.missing(%s)\n\t}\n", k)
		}
	case f.nullable:
		fmt.Fprintf(b, "\t{\n\t\tvar f Nullable[%s]\n\t\tif ok, err := d.take(%s, &f, true); err != nil {\n\t\t\treturn err\n\t\t} else if ok {\n\t\t\tout.%s = &f\n\t\t}\n\t}\n", f.t.expr, k, f.name)
	case f.t.nilable:
		fmt.Fprintf(b, "\tif _, err := d.take(%s, &out.%s, false); err != nil {\n\t\treturn err\n\t}\n", k, f.name)
	default:
		fmt.Fprintf(b, "\t{\n\t\tvar f %s\n\t\tif ok, err := d.take(%s, &f, false); err != nil {\n\t\t\treturn err\n\t\t} else if ok {\n\t\t\tout.%s = &f\n\t\t}\n\t}\n", f.t.expr, k, f.name)
	}
}
