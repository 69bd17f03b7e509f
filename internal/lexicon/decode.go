package lexicon

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/bluesky-social/indigo/atproto/atdata"
)

// DecodeJSON decodes a record from JSON into data-model form, enforcing the
// data model (no floats, well-formed $bytes, $link and blob objects, string
// $type). It is atdata.UnmarshalJSON plus corrections: the spec makes "="
// padding optional in $bytes, and the reference writes it, but indigo only
// decodes unpadded base64 (padded values are unpadded and decoded again); a
// typed blob's size must not be negative (indigo reads size -1 as a legacy
// blob); and links must be CIDv1 (see [CheckDataModel]). Every path that
// reads a record from JSON (the web, Jetstream, the lex tools) decodes it
// here, so one record gets one verdict.
func DecodeJSON(b []byte) (map[string]any, error) {
	if err := checkBlobSizes(b); err != nil {
		return nil, err
	}
	rec, err := decodeJSON(b)
	if err != nil {
		return nil, err
	}
	if err := CheckDataModel(rec); err != nil {
		return nil, err
	}
	return rec, nil
}

// decodeJSON is atdata.UnmarshalJSON with padded $bytes accepted.
func decodeJSON(b []byte) (map[string]any, error) {
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

// CheckDataModel checks what the decoders of indigo let through and the
// data model forbids: a link (or a blob's ref) that is not a CIDv1
// (cid_syntax_invalid.txt: "old CIDv0 not supported").
func CheckDataModel(v any) error {
	switch x := v.(type) {
	case map[string]any:
		for _, el := range x {
			if err := CheckDataModel(el); err != nil {
				return err
			}
		}
	case []any:
		for _, el := range x {
			if err := CheckDataModel(el); err != nil {
				return err
			}
		}
	case atdata.CIDLink:
		return checkLinkVersion(x)
	case atdata.Blob:
		return checkLinkVersion(x.Ref)
	}
	return nil
}

func checkLinkVersion(l atdata.CIDLink) error {
	if l.IsDefined() && l.CID().Version() != 1 {
		return fmt.Errorf("$link %s is a CIDv0: links are CIDv1", l.String())
	}
	return nil
}

// checkBlobSizes refuses a typed blob ({"$type": "blob", …}) whose size is
// negative: decoded, it would pass for a legacy blob, which has no size.
func checkBlobSizes(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var generic any
	if dec.Decode(&generic) != nil {
		return nil // the decoder proper says what is wrong
	}
	return walkBlobSizes(generic)
}

func walkBlobSizes(v any) error {
	switch x := v.(type) {
	case map[string]any:
		if x["$type"] == "blob" {
			if n, ok := x["size"].(json.Number); ok && strings.HasPrefix(n.String(), "-") {
				return fmt.Errorf("a typed blob's size must not be negative, is %s", n)
			}
		}
		for _, el := range x {
			if err := walkBlobSizes(el); err != nil {
				return err
			}
		}
	case []any:
		for _, el := range x {
			if err := walkBlobSizes(el); err != nil {
				return err
			}
		}
	}
	return nil
}
