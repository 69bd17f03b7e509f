package lexgen

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/statusphere/statusphere/internal/gen/xyz/statusphere"
	"github.com/statusphere/statusphere/internal/lexgen/internal/golden/test/lexgen"
	"github.com/statusphere/statusphere/internal/lexgen/internal/golden/test/other"
	"github.com/statusphere/statusphere/internal/lexicon"
)

const (
	cidA = "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq"
	cidB = "bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5p6chi4ity"
)

// kitchenFull is a test.lexgen.kitchen record with every field set and
// undeclared fields everywhere: at the top, in nested objects, in array
// elements, in union variants (listed, cross-package, records, unlisted).
const kitchenFull = `{
  "$type": "test.lexgen.kitchen",
  "text": "hi <b> & \u00e9",
  "count": 3,
  "withDefault": "w",
  "nullReq": null,
  "nullOpt": null,
  "items": [{"n": 1, "itemExtra": {"deep": [1, 2]}}, {"n": 2, "note": "n"}],
  "point": {"x": 1, "y": 2, "z": 3},
  "choice": {"$type": "test.lexgen.kitchen#circle", "r": 5, "center": {"x": 0, "y": 0, "w": true}, "hue": "red"},
  "closed": {"$type": "test.lexgen.kitchen#point", "x": 1, "y": 1, "closedExtra": 1},
  "shapes": [{"$type": "test.lexgen.kitchen#point", "x": 1, "y": 2, "k": 1}, {"$type": "test.lexgen.kitchen#circle", "r": 1}],
  "nested": {"inner": {"deep": 1, "shape": {"$type": "test.lexgen.kitchen#point", "x": 1, "y": 1, "s": "x"}, "innerExtra": "y"}, "nestedExtra": [null]},
  "other": {"name": "o", "meta": {"anything": ["goes"]}, "otherExtra": 1},
  "note": {"$type": "test.lexgen.note", "body": "b", "noteExtra": {"a": 1}},
  "noteUnion": {"$type": "test.lexgen.note", "body": "b", "nu": 1},
  "extra": "the property named extra",
  "cid-link": "a property with a hyphen",
  "anything": {"$type": "com.example.any", "x": {"y": [1]}},
  "data": {"$bytes": "AQID"},
  "link": {"$link": "` + cidA + `"},
  "pic": {"$type": "blob", "ref": {"$link": "` + cidB + `"}, "mimeType": "image/png", "size": 10},
  "tags": ["a", "b"],
  "list": [{"x": 1, "y": 2, "lx": 1}],
  "short": "abcd",
  "when": "2024-11-24T05:06:07.120Z",
  "author": "did:plc:abc",
  "subject": "at://did:plc:abc/a.b.c/x",
  "lang": "en",
  "topLink": {"$link": "` + cidA + `"},
  "topBytes": {"$bytes": "AQID"},
  "topBlob": {"$type": "blob", "ref": {"$link": "` + cidB + `"}, "mimeType": "text/plain", "size": 1},
  "app.other.ext": {"k": [1, {"m": null}], "$type": "app.other.ext"}
}`

// kitchenWith returns kitchenFull with some top-level fields replaced.
func kitchenWith(t *testing.T, fields map[string]string) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(kitchenFull), &m); err != nil {
		t.Fatalf("decoding kitchenFull: %v", err)
	}
	for k, v := range fields {
		if v == "" {
			delete(m, k)
		} else {
			m[k] = json.RawMessage(v)
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("encoding: %v", err)
	}
	return string(b)
}

// sameData compares two JSON records at the data-model level: the same
// fields, values, bytes and links, whatever the key order, whitespace or
// base64 padding.
func sameData(t *testing.T, want, got []byte) {
	t.Helper()
	w, err := lexicon.DecodeJSON(want)
	if err != nil {
		t.Fatalf("decoding the input: %v", err)
	}
	g, err := lexicon.DecodeJSON(got)
	if err != nil {
		t.Fatalf("decoding the output: %v\n%s", err, got)
	}
	if !reflect.DeepEqual(w, g) {
		t.Errorf("round trip changed the record\n in: %s\nout: %s", want, got)
	}
}

func TestUnknownFieldsRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		json string
	}{
		{"every field, extras everywhere", kitchenFull},
		{"minimal", `{"$type":"test.lexgen.kitchen","text":"t","count":0,"withDefault":"","nullReq":"x","items":[],"point":{"x":0,"y":0},"choice":{"$type":"test.lexgen.kitchen#point","x":1,"y":2}}`},
		{"unlisted open-union variant kept verbatim", kitchenWith(t, map[string]string{
			"choice": `{"$type":"com.example.other#thing","whatever":[1,{"$link":"` + cidA + `"}],"n":{"o":null}}`,
		})},
		{"cross-package variant", kitchenWith(t, map[string]string{
			"choice": `{"$type":"test.other.thing","name":"n","meta":{"m":1},"thingExtra":[true]}`,
		})},
		{"#main variant form", kitchenWith(t, map[string]string{
			"choice": `{"$type":"test.other.thing#main","name":"n"}`,
		})},
		{"padded bytes", kitchenWith(t, map[string]string{"data": `{"$bytes":"AQI="}`})},
		{"nullable values", kitchenWith(t, map[string]string{"nullReq": `"set"`, "nullOpt": `7`})},
		{"optional fields absent", kitchenWith(t, map[string]string{"nullOpt": "", "tags": "", "closed": "", "nested": "", "pic": "", "data": ""})},
		{"empty optional array", kitchenWith(t, map[string]string{"tags": `[]`, "shapes": `[]`})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var k lexgen.Kitchen
			if err := json.Unmarshal([]byte(tc.json), &k); err != nil {
				t.Fatalf("decoding: %v", err)
			}
			out, err := json.Marshal(k)
			if err != nil {
				t.Fatalf("encoding: %v", err)
			}
			sameData(t, []byte(tc.json), out)
			// And once more: decode → encode is stable.
			var again lexgen.Kitchen
			if err := json.Unmarshal(out, &again); err != nil {
				t.Fatalf("decoding the output: %v", err)
			}
			out2, err := json.Marshal(again)
			if err != nil {
				t.Fatalf("encoding again: %v", err)
			}
			if string(out2) != string(out) {
				t.Errorf("second round trip differs:\n%s\n%s", out, out2)
			}
		})
	}

	t.Run("status", func(t *testing.T) {
		in := `{"$type":"xyz.statusphere.status","status":"🦋","createdAt":"2024-11-24T05:06:07.100Z","app.other.mood":{"why":["sun",{"$link":"` + cidA + `"}]},"n":null}`
		var s statusphere.Status
		if err := json.Unmarshal([]byte(in), &s); err != nil {
			t.Fatalf("decoding: %v", err)
		}
		if s.Status != "🦋" || s.CreatedAt != "2024-11-24T05:06:07.100Z" || len(s.Extra) != 2 {
			t.Errorf("decoded %+v", s)
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("encoding: %v", err)
		}
		sameData(t, []byte(in), out)
	})
}

// TestUnknownFieldsDecoded checks where the undeclared fields land.
func TestUnknownFieldsDecoded(t *testing.T) {
	var k lexgen.Kitchen
	if err := json.Unmarshal([]byte(kitchenFull), &k); err != nil {
		t.Fatalf("decoding: %v", err)
	}
	checks := []struct {
		name  string
		extra map[string]json.RawMessage
		key   string
	}{
		{"top level", k.Extra, "app.other.ext"},
		{"array element", k.Items[0].Extra, "itemExtra"},
		{"ref", k.Point.Extra, "z"},
		{"union variant", k.Choice.KitchenCircle.Extra, "hue"},
		{"object in a union variant", k.Choice.KitchenCircle.Center.Extra, "w"},
		{"closed union variant", k.Closed.KitchenPoint.Extra, "closedExtra"},
		{"union in an array", k.Shapes[0].KitchenPoint.Extra, "k"},
		{"nested object", k.Nested.Extra, "nestedExtra"},
		{"doubly nested object", k.Nested.Inner.Extra, "innerExtra"},
		{"union in a nested object", k.Nested.Inner.Shape.KitchenPoint.Extra, "s"},
		{"other package", k.Other.Extra, "otherExtra"},
		{"referenced record", k.Note.Extra, "noteExtra"},
		{"record variant", k.NoteUnion.Note.Extra, "nu"},
		{"named array element", k.List[0].Extra, "lx"},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if _, ok := c.extra[c.key]; !ok {
				t.Errorf("Extra = %v, want the key %q", c.extra, c.key)
			}
		})
	}
	if k.Extra_ == nil || *k.Extra_ != "the property named extra" {
		t.Errorf("the property named extra went to %v", k.Extra_)
	}
	if !k.NullReq.Null || k.NullOpt == nil || !k.NullOpt.Null {
		t.Errorf("nullable fields = %+v, %+v", k.NullReq, k.NullOpt)
	}
	if _, ok := k.Choice.KitchenCircle.Extra["$type"]; !ok {
		t.Errorf("a union variant's $type is not kept with it")
	}
}

func TestGeneratedEncoding(t *testing.T) {
	label := "p"
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"record gets $type, required array []", lexgen.Note{Body: "b"}, `{"$type":"test.lexgen.note","body":"b"}`},
		{"status", statusphere.Status{Status: "🙂", CreatedAt: "2024-11-24T05:06:07.000Z"}, `{"$type":"xyz.statusphere.status","createdAt":"2024-11-24T05:06:07.000Z","status":"🙂"}`},
		{"union variant gets its $type", lexgen.KitchenChoice{KitchenPoint: &lexgen.KitchenPoint{X: 1, Y: 2, Label: &label}}, `{"$type":"test.lexgen.kitchen#point","label":"p","x":1,"y":2}`},
		{"cross-package variant", lexgen.KitchenChoice{OtherThing: &other.Thing{Name: "n"}}, `{"$type":"test.other.thing","name":"n"}`},
		{"variant keeps its own $type", lexgen.KitchenChoice{KitchenPoint: &lexgen.KitchenPoint{Extra: map[string]json.RawMessage{"$type": json.RawMessage(`"test.lexgen.kitchen#point"`)}}}, `{"$type":"test.lexgen.kitchen#point","x":0,"y":0}`},
		{"empty variant object", lexgen.KitchenNoteUnion{Note: &lexgen.Note{}}, `{"$type":"test.lexgen.note","body":""}`},
		{"unknown variant verbatim", lexgen.KitchenChoice{Unknown: json.RawMessage(`{"$type":"a.b.c","z":1}`)}, `{"$type":"a.b.c","z":1}`},
		{"nullable", lexgen.KitchenNestedInner{Deep: nil}, `{}`},
		{"extra never overrides a declared field", lexgen.KitchenPoint{X: 1, Y: 2, Extra: map[string]json.RawMessage{"x": json.RawMessage(`99`), "q": json.RawMessage(`[]`)}}, `{"x":1,"y":2,"q":[]}`},
		{"bytes unpadded", lexgen.Bytes{1, 2}, `{"$bytes":"AQI"}`},
		{"null", lexgen.Nullable[string]{Null: true}, `null`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(tc.v)
			if err != nil {
				t.Fatalf("encoding: %v", err)
			}
			if string(got) != tc.want {
				t.Errorf("encoded %s, want %s", got, tc.want)
			}
		})
	}
	t.Run("empty union", func(t *testing.T) {
		if _, err := json.Marshal(lexgen.KitchenChoice{}); err == nil || !strings.Contains(err.Error(), "no variant is set") {
			t.Errorf("encoding an empty union: %v", err)
		}
	})
}

func TestGeneratedDecodingErrors(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		wantErr string
	}{
		{"missing required", kitchenWith(t, map[string]string{"count": ""}), `required field "count" is missing`},
		{"null in a non-nullable field", kitchenWith(t, map[string]string{"text": "null"}), `field "text" must not be null`},
		{"wrong type", kitchenWith(t, map[string]string{"count": `"3"`}), `field "count"`},
		{"closed union, unlisted variant", kitchenWith(t, map[string]string{"closed": `{"$type":"test.lexgen.kitchen#circle","r":1}`}), "is not a variant of this closed union"},
		{"union without $type", kitchenWith(t, map[string]string{"choice": `{"x":1,"y":2}`}), "must have a string $type"},
		{"other record type", kitchenWith(t, map[string]string{"$type": `"test.lexgen.note"`}), `$type is "test.lexgen.note"`},
		{"bytes with extra keys", kitchenWith(t, map[string]string{"data": `{"$bytes":"AQI","x":1}`}), `bytes must be {"$bytes"`},
		{"bad DID", kitchenWith(t, map[string]string{"author": `"nope"`}), `field "author"`},
		{"not an object", `[]`, "decoding test.lexgen.kitchen"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var k lexgen.Kitchen
			err := json.Unmarshal([]byte(tc.json), &k)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("decoding error = %v, want %q", err, tc.wantErr)
			}
		})
	}
	t.Run("default fills a missing required field", func(t *testing.T) {
		var k lexgen.Kitchen
		if err := json.Unmarshal([]byte(kitchenWith(t, map[string]string{"withDefault": ""})), &k); err != nil {
			t.Fatalf("decoding: %v", err)
		}
		if k.WithDefault != "dflt" {
			t.Errorf("WithDefault = %q, want the schema default", k.WithDefault)
		}
	})
}

// TestEndpointTypes decodes and encodes the types generated for a query
// (parameters, output, errors) and a procedure (a referenced input, a
// union output).
func TestEndpointTypes(t *testing.T) {
	var p lexgen.ListNotesParams
	if err := json.Unmarshal([]byte(`{"author":"did:plc:abc","limit":5,"tags":["a"],"reverse":true,"x":1}`), &p); err != nil {
		t.Fatal(err)
	}
	if p.Author != "did:plc:abc" || p.Limit == nil || *p.Limit != 5 || p.Cursor != nil || len(p.Tags) != 1 || p.Reverse == nil || !*p.Reverse || string(p.Extra["x"]) != "1" {
		t.Errorf("params %+v", p)
	}
	if err := json.Unmarshal([]byte(`{"limit":5}`), &p); err == nil || !strings.Contains(err.Error(), "author") {
		t.Errorf("params without the required author: %v", err)
	}
	out := lexgen.ListNotesOutput{Notes: []lexgen.Note{{Body: "b"}}}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"notes":[{"$type":"test.lexgen.note","body":"b"}]}` {
		t.Errorf("output encodes as %s", b)
	}
	var back lexgen.ListNotesOutput
	if err := json.Unmarshal([]byte(`{"cursor":"c","notes":[],"more":true}`), &back); err != nil || back.Cursor == nil || *back.Cursor != "c" || string(back.Extra["more"]) != "true" {
		t.Errorf("output decodes as %+v, %v", back, err)
	}
	if lexgen.ListNotesErrAuthorNotFound != "AuthorNotFound" || lexgen.ListNotesErrBadCursor != "BadCursor" {
		t.Errorf("error constants %q %q", lexgen.ListNotesErrAuthorNotFound, lexgen.ListNotesErrBadCursor)
	}
	in := lexgen.PutNoteInput{Body: "x"} // an alias of the referenced record type
	if b, err := json.Marshal(in); err != nil || string(b) != `{"$type":"test.lexgen.note","body":"x"}` {
		t.Errorf("input encodes as %s, %v", b, err)
	}
	var res lexgen.PutNoteOutput
	if err := json.Unmarshal([]byte(`{"$type":"test.other.thing","name":"n"}`), &res); err != nil || res.OtherThing == nil {
		t.Errorf("union output %+v, %v", res, err)
	}
}
