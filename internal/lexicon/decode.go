package lexicon

import (
	"encoding/json"
	"strings"

	"github.com/bluesky-social/indigo/atproto/atdata"
)

// DecodeJSON decodes a record from JSON into data-model form, enforcing the
// data model (no floats, well-formed $bytes, $link and blob objects, string
// $type). It is atdata.UnmarshalJSON plus one correction: the spec makes "="
// padding optional in $bytes, and the reference writes it, but indigo only
// decodes unpadded base64. Padded values are unpadded and decoded again.
func DecodeJSON(b []byte) (map[string]any, error) {
	rec, err := atdata.UnmarshalJSON(b)
	if err == nil {
		return rec, nil
	}
	var generic map[string]any
	if json.Unmarshal(b, &generic) != nil || !unpadBytes(generic) {
		return nil, err
	}
	again, merr := json.Marshal(generic)
	if merr != nil {
		return nil, err
	}
	rec, err2 := atdata.UnmarshalJSON(again)
	if err2 != nil {
		return nil, err2
	}
	return rec, nil
}

// unpadBytes strips base64 padding from every {"$bytes": "…="} object in
// generic JSON data, reporting whether it changed anything.
func unpadBytes(v any) bool {
	changed := false
	switch x := v.(type) {
	case map[string]any:
		if s, ok := x["$bytes"].(string); ok && len(x) == 1 {
			// Well-formed padding only: one or two '=' ending a multiple
			// of four characters.
			t := strings.TrimRight(s, "=")
			if pad := len(s) - len(t); pad == 0 || pad > 2 || len(s)%4 != 0 {
				return false
			}
			x["$bytes"] = t
			return true
		}
		for _, el := range x {
			changed = unpadBytes(el) || changed
		}
	case []any:
		for _, el := range x {
			changed = unpadBytes(el) || changed
		}
	}
	return changed
}
