package lexgen

import (
	"fmt"
	"strings"

	"github.com/bluesky-social/indigo/atproto/lexicon"
)

// goType is the Go type of a field schema.
type goType struct {
	expr    string
	nilable bool
}

func (e *emitter) use(importPath, alias string) {
	e.f.imports[importPath] = alias
}

// typeOf returns the Go type of a field schema. owner and prop name inline
// types: the object at property "embed" of Post is PostEmbed.
func (e *emitter) typeOf(def any, owner, prop string) (goType, error) {
	switch d := def.(type) {
	case lexicon.SchemaBoolean:
		return goType{expr: "bool"}, nil
	case lexicon.SchemaInteger:
		return goType{expr: "int64"}, nil
	case lexicon.SchemaString:
		return e.stringType(d), nil
	case lexicon.SchemaBytes:
		return goType{expr: "Bytes", nilable: true}, nil
	case lexicon.SchemaCIDLink:
		e.use("github.com/bluesky-social/indigo/atproto/atdata", "")
		return goType{expr: "atdata.CIDLink"}, nil
	case lexicon.SchemaBlob:
		e.use("github.com/bluesky-social/indigo/atproto/atdata", "")
		return goType{expr: "atdata.Blob"}, nil
	case lexicon.SchemaUnknown:
		e.use("encoding/json", "")
		return goType{expr: "json.RawMessage", nilable: true}, nil
	case lexicon.SchemaArray:
		el, err := e.typeOf(d.Items.Inner, owner, prop+"Item")
		if err != nil {
			return goType{}, err
		}
		return goType{expr: "[]" + el.expr, nilable: true}, nil
	case lexicon.SchemaObject:
		name := owner + export(prop)
		ref := fmt.Sprintf("%s.%s in %s", owner, prop, e.base)
		if err := e.p.claim(name, ref); err != nil {
			return goType{}, err
		}
		e.later(func() error {
			return e.object(name, ref, description(d.Description), d, false)
		})
		return goType{expr: name}, nil
	case lexicon.SchemaRef:
		info, err := e.g.lookup(e.base, d.Ref)
		if err != nil && e.external {
			e.use("encoding/json", "")
			return goType{expr: "json.RawMessage", nilable: true}, nil
		}
		if err != nil {
			return goType{}, err
		}
		if _, ok := info.def.(lexicon.SchemaToken); ok {
			return goType{}, fmt.Errorf("reference %q names a token, which no data may have", d.Ref)
		}
		return goType{expr: e.qualify(info), nilable: info.nilable}, nil
	case lexicon.SchemaUnion:
		name := owner + export(prop)
		if err := e.p.claim(name, fmt.Sprintf("%s.%s in %s", owner, prop, e.base)); err != nil {
			return goType{}, err
		}
		e.p.unions = true
		e.later(func() error { return e.union(name, owner, prop, d) })
		return goType{expr: name}, nil
	default:
		return goType{}, fmt.Errorf("schema type %T can not be a field", def)
	}
}

// qualify names a definition's type from the current package.
func (e *emitter) qualify(info *defInfo) string {
	if info.pkg == e.p {
		return info.typeName
	}
	alias := strings.ReplaceAll(info.pkg.dir, "/", "")
	alias = packageName(alias)
	e.use(info.pkg.importPath, alias)
	return alias + "." + info.typeName
}

// stringFormatType maps a string format to indigo's syntax type, whose JSON
// decoding checks the syntax. datetime and language stay plain strings: the
// spec advises keeping datetimes as written (round-trip safety), and
// indigo's language parser rejects tags the interop vectors accept.
func stringFormatType(format string) (string, bool) {
	switch format {
	case "at-identifier":
		return "syntax.AtIdentifier", true
	case "at-uri":
		return "syntax.ATURI", true
	case "cid":
		return "syntax.CID", true
	case "did":
		return "syntax.DID", true
	case "handle":
		return "syntax.Handle", true
	case "nsid":
		return "syntax.NSID", true
	case "record-key":
		return "syntax.RecordKey", true
	case "tid":
		return "syntax.TID", true
	case "uri":
		return "syntax.URI", true
	}
	return "", false
}

func (e *emitter) stringType(s lexicon.SchemaString) goType {
	if s.Format != nil {
		if t, ok := stringFormatType(*s.Format); ok {
			e.use("github.com/bluesky-social/indigo/atproto/syntax", "")
			return goType{expr: t}
		}
	}
	return goType{expr: "string"}
}
