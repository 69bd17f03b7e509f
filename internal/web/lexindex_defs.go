package web

import (
	"encoding/json"
	"sort"
	"strings"
)

// defExtras describes what the field tables of newSchemaView do not show,
// per def name: the parameters, input and output of queries and
// procedures, their errors, a subscription's message, a permission set's
// permissions, a token.
func defExtras(schema json.RawMessage) map[string][]string {
	var file struct {
		Defs map[string]map[string]any `json:"defs"`
	}
	if json.Unmarshal(schema, &file) != nil {
		return nil
	}
	out := map[string][]string{}
	for name, def := range file.Defs {
		var lines []string
		if p, ok := def["parameters"].(map[string]any); ok {
			for _, f := range fieldsOf(p) {
				lines = append(lines, "parameter "+f.Name+": "+f.Type+requiredWord(f.Required)+joinConstraints(f.Constraints))
			}
		}
		for _, io := range []string{"input", "output"} {
			if b, ok := def[io].(map[string]any); ok {
				lines = append(lines, io+": "+str(b["encoding"])+bodySchema(b))
			}
		}
		if m, ok := def["message"].(map[string]any); ok {
			lines = append(lines, "message:"+bodySchema(m))
		}
		if errs, ok := def["errors"].([]any); ok {
			for _, e := range errs {
				if em, ok := e.(map[string]any); ok {
					lines = append(lines, "error "+str(em["name"])+describe(em))
				}
			}
		}
		if perms, ok := def["permissions"].([]any); ok {
			for _, p := range perms {
				b, _ := json.Marshal(p)
				lines = append(lines, "permission "+string(b))
			}
		}
		if str(def["type"]) == "token" {
			lines = append(lines, "token: a named value, no data")
		}
		if len(lines) > 0 {
			sort.Strings(lines)
			out[name] = lines
		}
	}
	return out
}

func requiredWord(required bool) string {
	if required {
		return " (required)"
	}
	return ""
}

func joinConstraints(cs []string) string {
	if len(cs) == 0 {
		return ""
	}
	return " [" + strings.Join(cs, ", ") + "]"
}

func describe(m map[string]any) string {
	if d := str(m["description"]); d != "" {
		return " — " + d
	}
	return ""
}

// bodySchema names the schema of an input, output or message.
func bodySchema(b map[string]any) string {
	sch, ok := b["schema"].(map[string]any)
	if !ok {
		return ""
	}
	switch t := str(sch["type"]); t {
	case "ref":
		return " ref " + str(sch["ref"])
	case "union":
		refs, _ := json.Marshal(sch["refs"])
		return " union of " + string(refs)
	case "object":
		var names []string
		for _, f := range fieldsOf(sch) {
			names = append(names, f.Name+": "+f.Type+requiredWord(f.Required))
		}
		return " object {" + strings.Join(names, "; ") + "}"
	default:
		return " " + t
	}
}
