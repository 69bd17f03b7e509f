package web

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/statusphere/statusphere/internal/lexicon"
)

// lexiconsPage is the data of templates/lexicons.html: the app's schemas,
// documented from their JSON.
type lexiconsPage struct {
	Schemas []schemaView
}

type schemaView struct {
	NSID string
	Defs []defView
	JSON string
}

type defView struct {
	Name        string // "main" or the def's name
	Type        string // record, object, string, query, …
	Description string
	Key         string // record key type, for records
	Fields      []fieldView
	// Endpoint is set for a query or procedure.
	Endpoint *endpointView
	// PermissionSet is set for a permission set.
	PermissionSet *permissionSetView
}

// permissionSetView documents a permission set: what a user consents to.
type permissionSetView struct {
	Title, Detail string
	Translations  []string // "title (fr): …"
	Permissions   []permissionView
}

// permissionView is one permission: its resource and its attributes
// ("collection: a, b", "action: create", "aud: *", …).
type permissionView struct {
	Resource string
	Attrs    []string
}

// endpointView documents a query or procedure: its parameters, its
// input and output bodies and its errors.
type endpointView struct {
	Params []fieldView
	Input  *bodyView
	Output *bodyView
	Errors []errorView
}

type bodyView struct {
	Encoding    string
	Description string
	Fields      []fieldView
}

type errorView struct {
	Name, Description string
}

type fieldView struct {
	Name        string
	Type        string
	Required    bool
	Nullable    bool
	Description string
	Constraints []string // "minLength: 1", "format: datetime", …
}

// constraintKeys are the schema keywords shown as a field's constraints,
// in this order.
var constraintKeys = []string{
	"format", "minLength", "maxLength", "minGraphemes", "maxGraphemes", "minimum", "maximum",
	"enum", "knownValues", "const", "default", "minSize", "maxSize", "accept", "maxSizeBytes",
	"ref", "refs", "closed",
}

// lexicons serves GET /lexicons: human-readable documentation of the
// app's lexicons, generated from the JSON the app validates with.
func (s *Server) lexicons(w http.ResponseWriter, r *http.Request) {
	if s.LexIndex != nil {
		s.lexiconIndex(w, r) // the aggregator documents them among the rest
		return
	}
	var page lexiconsPage
	for _, d := range s.Lexicons.Docs() {
		sv, err := newSchemaView(d)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		page.Schemas = append(page.Schemas, sv)
	}
	s.render(w, r, http.StatusOK, "lexicons", page)
}

// newSchemaView documents one schema file.
func newSchemaView(d lexicon.Doc) (schemaView, error) {
	var file struct {
		Defs map[string]map[string]any `json:"defs"`
	}
	if err := json.Unmarshal(d.JSON, &file); err != nil {
		return schemaView{}, fmt.Errorf("document %s: %w", d.NSID, err)
	}
	pretty, _ := json.MarshalIndent(json.RawMessage(d.JSON), "", "  ")
	sv := schemaView{NSID: d.NSID.String(), JSON: string(pretty)}
	names := make([]string, 0, len(file.Defs))
	for name := range file.Defs {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool { return names[i] == "main" || (names[j] != "main" && names[i] < names[j]) })
	for _, name := range names {
		def := file.Defs[name]
		dv := defView{Name: name, Type: str(def["type"]), Description: str(def["description"]), Key: str(def["key"])}
		switch dv.Type {
		case "query", "procedure":
			dv.Endpoint = newEndpointView(def)
			sv.Defs = append(sv.Defs, dv)
			continue
		case "permission-set":
			dv.PermissionSet = newPermissionSetView(def)
			sv.Defs = append(sv.Defs, dv)
			continue
		}
		body := def
		if rec, ok := def["record"].(map[string]any); ok {
			body = rec
		}
		if body["properties"] == nil {
			dv.Fields = append(dv.Fields, fieldView{Name: "(value)", Type: typeOf(body), Constraints: constraintsOf(body)})
		}
		dv.Fields = append(dv.Fields, fieldsOf(body)...)
		sv.Defs = append(sv.Defs, dv)
	}
	return sv, nil
}

// newEndpointView documents a query or procedure definition.
func newEndpointView(def map[string]any) *endpointView {
	ev := &endpointView{}
	if params, ok := def["parameters"].(map[string]any); ok {
		ev.Params = fieldsOf(params)
	}
	ev.Input, ev.Output = newBodyView(def["input"]), newBodyView(def["output"])
	errs, _ := def["errors"].([]any)
	for _, e := range errs {
		if m, ok := e.(map[string]any); ok {
			ev.Errors = append(ev.Errors, errorView{Name: str(m["name"]), Description: str(m["description"])})
		}
	}
	return ev
}

// newPermissionSetView documents a permission-set definition.
func newPermissionSetView(def map[string]any) *permissionSetView {
	pv := &permissionSetView{Title: str(def["title"]), Detail: str(def["detail"])}
	for _, key := range []string{"title", "detail"} {
		langs, _ := def[key+":lang"].(map[string]any)
		for _, lang := range slices.Sorted(maps.Keys(langs)) {
			pv.Translations = append(pv.Translations, key+" ("+lang+"): "+str(langs[lang]))
		}
	}
	perms, _ := def["permissions"].([]any)
	for _, p := range perms {
		m, _ := p.(map[string]any)
		perm := permissionView{Resource: str(m["resource"])}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if k == "type" || k == "resource" {
				continue
			}
			perm.Attrs = append(perm.Attrs, k+": "+attrValue(m[k]))
		}
		pv.Permissions = append(pv.Permissions, perm)
	}
	return pv
}

// attrValue shows a permission attribute: a list joined by commas, else
// the value as JSON without quotes.
func attrValue(v any) string {
	if list, ok := v.([]any); ok {
		parts := make([]string, len(list))
		for i, x := range list {
			parts[i] = attrValue(x)
		}
		return strings.Join(parts, ", ")
	}
	b, _ := json.Marshal(v)
	return strings.Trim(string(b), `"`)
}

// newBodyView documents a request or response body: its encoding and the
// fields of its schema (one "(value)" row for a ref or a union).
func newBodyView(v any) *bodyView {
	body, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	bv := &bodyView{Encoding: str(body["encoding"]), Description: str(body["description"])}
	if schema, ok := body["schema"].(map[string]any); ok {
		if schema["properties"] == nil {
			bv.Fields = []fieldView{{Name: "(value)", Type: typeOf(schema), Required: true, Constraints: constraintsOf(schema)}}
		} else {
			bv.Fields = fieldsOf(schema)
		}
	}
	return bv
}

// fieldsOf lists an object's properties, required ones first, by name.
func fieldsOf(obj map[string]any) []fieldView {
	props, _ := obj["properties"].(map[string]any)
	required := set(obj["required"])
	nullable := set(obj["nullable"])
	var out []fieldView
	for name, p := range props {
		prop, _ := p.(map[string]any)
		out = append(out, fieldView{
			Name: name, Type: typeOf(prop), Required: required[name], Nullable: nullable[name],
			Description: str(prop["description"]), Constraints: constraintsOf(prop),
		})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Required != out[j].Required {
			return out[i].Required
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// typeOf names a field's type: "string", "array of ref", …
func typeOf(p map[string]any) string {
	t := str(p["type"])
	if t == "array" {
		if items, ok := p["items"].(map[string]any); ok {
			return "array of " + typeOf(items)
		}
	}
	return t
}

// constraintsOf lists the keywords that constrain a field.
func constraintsOf(p map[string]any) []string {
	var out []string
	for _, k := range constraintKeys {
		if v, ok := p[k]; ok {
			b, _ := json.Marshal(v)
			out = append(out, k+": "+strings.Trim(string(b), `"`))
		}
	}
	if items, ok := p["items"].(map[string]any); ok {
		for _, c := range constraintsOf(items) {
			out = append(out, "items "+c)
		}
	}
	return out
}

func str(v any) string { s, _ := v.(string); return s }

func set(v any) map[string]bool {
	out := map[string]bool{}
	list, _ := v.([]any)
	for _, x := range list {
		if s, ok := x.(string); ok {
			out[s] = true
		}
	}
	return out
}
