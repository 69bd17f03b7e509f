package lexicon

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/bluesky-social/indigo/atproto/atdata"
	"github.com/bluesky-social/indigo/atproto/lexicon"
	"github.com/bluesky-social/indigo/atproto/syntax"
)

// ValidateRecord checks a record in data-model form (as decoded by
// atdata.UnmarshalJSON or atdata.UnmarshalCBOR) against the record schema
// nsid. It is the one validator of the app: the web write path calls it
// before writing, the firehose ingester before storing.
//
// The record's "$type" must be nsid. Fields the schema does not declare are
// never a reason to reject. The rules are indigo's lexicon validation with
// the corrections listed in docs/lexicon-validation.md, so that the verdict
// agrees with the interop vectors and, where they are silent, with the
// reference implementation (@atproto/lexicon).
//
// The error is a *[ValidationError]; a schema missing from the catalog is a
// ValidationError wrapping a *[SchemaNotFoundError].
func (c *Catalog) ValidateRecord(nsid syntax.NSID, rec map[string]any) error {
	v := validator{c: c, nsid: nsid}
	if rec == nil {
		return v.fail("", "record is missing", nil)
	}
	t, ok := rec["$type"]
	if !ok {
		return v.fail("$type", "must be present", nil)
	}
	ts, ok := t.(string)
	if !ok {
		return v.fail("$type", "must be a string", nil)
	}
	if ts != string(nsid) {
		return v.fail("$type", fmt.Sprintf("must be %q, is %q", nsid, ts), nil)
	}
	s, err := c.resolve(string(nsid))
	if err != nil {
		return v.fail("", "no schema for this record type", err)
	}
	rd, ok := s.Def.(lexicon.SchemaRecord)
	if !ok {
		return v.fail("", fmt.Sprintf("schema %s is not a record schema", nsid), nil)
	}
	return v.object(string(nsid), "", rd.Record, rec)
}

// ValidateJSON decodes a record from JSON with [DecodeJSON], which also
// enforces the data model (no floats, well-formed $bytes, $link and blobs,
// non-empty string $type), and validates it with [Catalog.ValidateRecord].
func (c *Catalog) ValidateJSON(nsid syntax.NSID, b []byte) error {
	rec, err := DecodeJSON(b)
	if err != nil {
		return &ValidationError{NSID: nsid, Reason: "not valid atproto JSON data: " + err.Error(), Err: err}
	}
	return c.ValidateRecord(nsid, rec)
}

// ValidateCBOR decodes a record from DAG-CBOR (atdata.UnmarshalCBOR) and
// validates it with [Catalog.ValidateRecord].
func (c *Catalog) ValidateCBOR(nsid syntax.NSID, b []byte) error {
	rec, err := atdata.UnmarshalCBOR(b)
	if err == nil {
		err = CheckDataModel(rec)
	}
	if err != nil {
		return &ValidationError{NSID: nsid, Reason: "not valid atproto CBOR data: " + err.Error(), Err: err}
	}
	return c.ValidateRecord(nsid, rec)
}

// validator walks one record. Every method returns nil or a
// *ValidationError.
type validator struct {
	c    *Catalog
	nsid syntax.NSID
}

func (v *validator) fail(path, reason string, err error) error {
	return &ValidationError{NSID: v.nsid, Path: path, Reason: reason, Err: err}
}

func field(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// hasDefault reports whether a property schema declares a default value. The
// reference fills in defaults before the required check, so a required
// property with a default may be absent.
func hasDefault(def any) bool {
	switch d := def.(type) {
	case lexicon.SchemaString:
		return d.Default != nil
	case lexicon.SchemaInteger:
		return d.Default != nil
	case lexicon.SchemaBoolean:
		return d.Default != nil
	}
	return false
}

// object checks an object against an object schema. base is the NSID of the
// schema file the definition came from, against which "#name" references
// resolve.
func (v *validator) object(base, path string, s lexicon.SchemaObject, d any) error {
	obj, ok := d.(map[string]any)
	if !ok {
		return v.fail(path, "must be an object, is "+kind(d), nil)
	}
	keys := make([]string, 0, len(s.Properties))
	for k := range s.Properties {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	// Required fields first, so that a missing field is reported before a
	// wrong one, as the reference does.
	for _, k := range s.Required {
		if _, ok := obj[k]; !ok {
			if p, ok := s.Properties[k]; ok && hasDefault(p.Inner) {
				continue
			}
			return v.fail(field(path, k), "required field is missing", nil)
		}
	}
	for _, k := range keys {
		val, ok := obj[k]
		if !ok {
			continue
		}
		if val == nil && s.IsNullable(k) {
			continue
		}
		if err := v.value(base, field(path, k), s.Properties[k].Inner, val); err != nil {
			return err
		}
	}
	return nil
}

// value checks one value against a field schema.
func (v *validator) value(base, path string, def any, d any) error {
	if d == nil {
		return v.fail(path, "must not be null", nil)
	}
	switch s := def.(type) {
	case lexicon.SchemaBoolean:
		b, ok := d.(bool)
		if !ok {
			return v.fail(path, "must be a boolean, is "+kind(d), nil)
		}
		if s.Const != nil && b != *s.Const {
			return v.fail(path, fmt.Sprintf("must be %t", *s.Const), nil)
		}
		return nil
	case lexicon.SchemaInteger:
		return v.integer(path, s, d)
	case lexicon.SchemaString:
		return v.string(path, s, d)
	case lexicon.SchemaBytes:
		b, ok := d.(atdata.Bytes)
		if !ok {
			return v.fail(path, "must be bytes ({\"$bytes\": …}), is "+kind(d), nil)
		}
		if s.MaxLength != nil && len(b) > *s.MaxLength {
			return v.fail(path, fmt.Sprintf("must not be longer than %d bytes, is %d", *s.MaxLength, len(b)), nil)
		}
		if s.MinLength != nil && len(b) < *s.MinLength {
			return v.fail(path, fmt.Sprintf("must not be shorter than %d bytes, is %d", *s.MinLength, len(b)), nil)
		}
		return nil
	case lexicon.SchemaCIDLink:
		if _, ok := d.(atdata.CIDLink); !ok {
			return v.fail(path, "must be a cid-link ({\"$link\": …}), is "+kind(d), nil)
		}
		return nil
	case lexicon.SchemaBlob:
		return v.blob(path, s, d)
	case lexicon.SchemaArray:
		arr, ok := d.([]any)
		if !ok {
			return v.fail(path, "must be an array, is "+kind(d), nil)
		}
		if s.MaxLength != nil && len(arr) > *s.MaxLength {
			return v.fail(path, fmt.Sprintf("must not have more than %d elements, has %d", *s.MaxLength, len(arr)), nil)
		}
		if s.MinLength != nil && len(arr) < *s.MinLength {
			return v.fail(path, fmt.Sprintf("must not have fewer than %d elements, has %d", *s.MinLength, len(arr)), nil)
		}
		for i, el := range arr {
			if err := v.value(base, index(path, i), s.Items.Inner, el); err != nil {
				return err
			}
		}
		return nil
	case lexicon.SchemaObject:
		return v.object(base, path, s, d)
	case lexicon.SchemaRef:
		ref := s.Ref
		if strings.HasPrefix(ref, "#") {
			ref = base + ref
		}
		return v.ref(path, ref, d)
	case lexicon.SchemaUnion:
		return v.union(base, path, s, d)
	case lexicon.SchemaUnknown:
		// The spec and the interop vectors: any object, but not a
		// primitive, an array, bytes, a cid-link or a blob.
		if _, ok := d.(map[string]any); !ok {
			return v.fail(path, "must be an object, is "+kind(d), nil)
		}
		return nil
	default:
		return v.fail(path, fmt.Sprintf("schema type %T can not hold data", def), nil)
	}
}

func (v *validator) integer(path string, s lexicon.SchemaInteger, d any) error {
	n, ok := d.(int64)
	if !ok {
		return v.fail(path, "must be an integer, is "+kind(d), nil)
	}
	if s.Const != nil && n != int64(*s.Const) {
		return v.fail(path, fmt.Sprintf("must be %d", *s.Const), nil)
	}
	if len(s.Enum) > 0 && !slices.Contains(s.Enum, int(n)) {
		return v.fail(path, "must be one of "+joinInts(s.Enum), nil)
	}
	if s.Maximum != nil && n > int64(*s.Maximum) {
		return v.fail(path, fmt.Sprintf("must not be greater than %d", *s.Maximum), nil)
	}
	if s.Minimum != nil && n < int64(*s.Minimum) {
		return v.fail(path, fmt.Sprintf("must not be less than %d", *s.Minimum), nil)
	}
	return nil
}

func (v *validator) string(path string, s lexicon.SchemaString, d any) error {
	str, ok := d.(string)
	if !ok {
		return v.fail(path, "must be a string, is "+kind(d), nil)
	}
	if s.Const != nil && str != *s.Const {
		return v.fail(path, fmt.Sprintf("must be %q", *s.Const), nil)
	}
	if len(s.Enum) > 0 && !slices.Contains(s.Enum, str) {
		return v.fail(path, "must be one of "+joinStrings(s.Enum), nil)
	}
	if s.MinLength != nil && len(str) < *s.MinLength {
		if *s.MinLength == 1 {
			return v.fail(path, "must not be empty", nil)
		}
		return v.fail(path, fmt.Sprintf("must not be shorter than %d bytes (UTF-8), is %d", *s.MinLength, len(str)), nil)
	}
	if s.MaxLength != nil && len(str) > *s.MaxLength {
		return v.fail(path, fmt.Sprintf("must not be longer than %d bytes (UTF-8), is %d", *s.MaxLength, len(str)), nil)
	}
	if s.MinGraphemes != nil || s.MaxGraphemes != nil {
		n := GraphemeLen(str)
		if s.MaxGraphemes != nil && n > *s.MaxGraphemes {
			if *s.MaxGraphemes == 1 {
				return v.fail(path, fmt.Sprintf("must be a single grapheme, has %d", n), nil)
			}
			return v.fail(path, fmt.Sprintf("must not be longer than %d graphemes, has %d", *s.MaxGraphemes, n), nil)
		}
		if s.MinGraphemes != nil && n < *s.MinGraphemes {
			return v.fail(path, fmt.Sprintf("must not be shorter than %d graphemes, has %d", *s.MinGraphemes, n), nil)
		}
	}
	if s.Format != nil {
		if err := CheckFormat(*s.Format, str); err != nil {
			return v.fail(path, "must be a valid "+*s.Format+": "+err.Error(), err)
		}
	}
	return nil
}

func (v *validator) blob(path string, s lexicon.SchemaBlob, d any) error {
	b, ok := d.(atdata.Blob)
	if !ok {
		return v.fail(path, "must be a blob, is "+kind(d), nil)
	}
	// Legacy blobs ({"cid", "mimeType"}, Size -1) are accepted, as the
	// reference does; they carry no size to check.
	if s.MaxSize != nil && b.Size > int64(*s.MaxSize) {
		return v.fail(path, fmt.Sprintf("blob must not be larger than %d bytes, is %d", *s.MaxSize, b.Size), nil)
	}
	if len(s.Accept) > 0 && !slices.ContainsFunc(s.Accept, func(p string) bool { return acceptsMIME(p, b.MimeType) }) {
		return v.fail(path, fmt.Sprintf("blob type %q is not one of %s", b.MimeType, joinStrings(s.Accept)), nil)
	}
	return nil
}

// acceptsMIME matches a MIME type against an accept pattern: "*/*", a
// "type/*" prefix, or an exact type.
func acceptsMIME(pattern, mime string) bool {
	if mime == "" || pattern == "" {
		return false
	}
	if pattern == "*/*" {
		return true
	}
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		// "image/*" wants an image subtype: "image/" has none.
		return strings.HasPrefix(mime, prefix) && len(mime) > len(prefix)
	}
	return pattern == mime
}

// ref checks a value against the definition a full reference names.
func (v *validator) ref(path, ref string, d any) error {
	s, err := v.c.resolve(ref)
	if err != nil {
		return v.fail(path, "refers to a schema the catalog does not hold: "+ref, err)
	}
	nsid, _, _ := strings.Cut(ref, "#")
	switch s.Def.(type) {
	case lexicon.SchemaRecord, lexicon.SchemaToken, lexicon.SchemaQuery, lexicon.SchemaProcedure,
		lexicon.SchemaSubscription, lexicon.SchemaPermissionSet:
		return v.fail(path, fmt.Sprintf("refers to %s, which is not a data type", ref), nil)
	}
	return v.value(nsid, path, s.Def, d)
}

// unionRef normalizes a union reference or $type for comparison: "#main" is
// implied when no fragment is given, as the reference implementation
// treats it.
func unionRef(ref string) string {
	return strings.TrimSuffix(ref, "#main")
}

func (v *validator) union(base, path string, s lexicon.SchemaUnion, d any) error {
	obj, ok := d.(map[string]any)
	if !ok {
		return v.fail(path, "must be an object with a $type, is "+kind(d), nil)
	}
	t, ok := obj["$type"].(string)
	if !ok {
		return v.fail(path, "must have a string $type naming one of "+joinStrings(s.Refs), nil)
	}
	// The reference rejects a $type it can not read as a lexicon reference
	// even in an open union: a relative "#name" or more than one '#'.
	if strings.HasPrefix(t, "#") || strings.Count(t, "#") > 1 {
		return v.fail(field(path, "$type"), fmt.Sprintf("%q is not an NSID with an optional #fragment", t), nil)
	}
	for _, r := range s.Refs {
		full := r
		if strings.HasPrefix(r, "#") {
			full = base + r
		}
		if unionRef(full) == unionRef(t) {
			return v.ref(path, full, d)
		}
	}
	if s.Closed != nil && *s.Closed {
		return v.fail(field(path, "$type"), fmt.Sprintf("%q is not one of %s (closed union)", t, joinStrings(s.Refs)), nil)
	}
	// Open union, unlisted type: valid whatever its content, as the
	// reference does (indigo would validate it when the catalog knows it).
	return nil
}

// kind names the data-model type of a value for error messages.
func kind(d any) string {
	switch d.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case int64:
		return "an integer"
	case string:
		return "a string"
	case atdata.Bytes:
		return "bytes"
	case atdata.CIDLink:
		return "a cid-link"
	case atdata.Blob:
		return "a blob"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	default:
		return fmt.Sprintf("%T", d)
	}
}

func joinStrings(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return "(" + strings.Join(q, ", ") + ")"
}

func joinInts(ns []int) string {
	q := make([]string, len(ns))
	for i, n := range ns {
		q[i] = strconv.Itoa(n)
	}
	return "(" + strings.Join(q, ", ") + ")"
}

// ValidateRecordKey checks a record key against the "key" of the record
// schema nsid: "tid", "nsid", "literal:<value>" or "any" (any valid record
// key). The error is a *[ValidationError] with the path "rkey".
func (c *Catalog) ValidateRecordKey(nsid syntax.NSID, rkey string) error {
	v := validator{c: c, nsid: nsid}
	s, err := c.resolve(string(nsid))
	if err != nil {
		return v.fail("", "no schema for this record type", err)
	}
	rd, ok := s.Def.(lexicon.SchemaRecord)
	if !ok {
		return v.fail("", fmt.Sprintf("schema %s is not a record schema", nsid), nil)
	}
	if _, err := syntax.ParseRecordKey(rkey); err != nil {
		return v.fail("rkey", "must be a valid record key: "+err.Error(), err)
	}
	switch key := rd.Key; {
	case key == "tid":
		if _, err := syntax.ParseTID(rkey); err != nil {
			return v.fail("rkey", "must be a TID: "+err.Error(), err)
		}
	case key == "nsid":
		if _, err := syntax.ParseNSID(rkey); err != nil {
			return v.fail("rkey", "must be an NSID: "+err.Error(), err)
		}
	case strings.HasPrefix(key, "literal:"):
		if want := strings.TrimPrefix(key, "literal:"); rkey != want {
			return v.fail("rkey", fmt.Sprintf("must be %q", want), nil)
		}
	}
	return nil
}
