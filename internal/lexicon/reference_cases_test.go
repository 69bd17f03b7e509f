package lexicon

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// raw is a JSON value written as-is into a generated record (for numbers
// like 1.0 and forms json.Marshal would not produce).
type raw string

func (r raw) MarshalJSON() ([]byte, error) { return []byte(r), nil }

func marshalCase(t *testing.T, v any) json.RawMessage {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatalf("encoding case: %v", err)
	}
	return json.RawMessage(strings.TrimSpace(b.String()))
}

const (
	kitchenNSID = syntax.NSID("test.statusphere.kitchen")
	interopNSID = syntax.NSID("example.lexicon.record")
	cidA        = "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq"
	cidRaw      = "bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5p6chi4ity"
)

// graphemeSamples are strings whose grapheme count is easy to get wrong.
var graphemeSamples = []string{
	"a", "Z", " ", "👍", "👍🏽", "🏽", "👩\u200d👩\u200d👦\u200d👦", "🧑🏽\u200d🚀", "🫱🏼\u200d🫲🏿", "👁️\u200d🗨️", "🏳️\u200d🌈", "🏴\u200d☠️",
	"🇩🇪", "🇩", "🇩🇪🇫", "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", "❤️", "❤", "1️⃣", "#️⃣", "©️",
	"क्ष", "क्\u200dष", "श्री", "क्", "ক্ষ", "ક્ષ", "ക്ഷ", "କ୍ଷ", "క్ష", "ಕ್ಷ", "க்ஷ", "ក្ស", "ကျ",
	"한", "\u1100\u1161\u11a8", "\u1100\u1100", "\uac00\u11a8", "ᄀᆡ",
	"e\u0301", "e\u0301\u0302\u0303", "\u0301", "Z̴̡̛̖̗̘̙̜̝̞̟̠̤̥̦̩̪̫̬̭̮̯̰̱̲̳̹̺̻̼͇͈͉͍͎̀́̂̃̄̅̆̇̈̉̊̋̌̍̎̏̐̑̒̓̔̽̾̿̀́͂̓̈́͆͊͋͌̕̚ͅ",
	"ก่", "กำ", "ำ", "\r\n", "\n", "\r", "\u200d", "\ufe0f", "\u200b", "\u00ad",
	"\u0600\u0661", "\u0d4e\u0d15", "\u110bd", "𓀀", "\U000f0000", "\ue000", "\U000e0001",
	"🫨", "🫎", "🪿", "🩷", "🐦\u200d🔥", "🍋\u200d🟩", "🙂\u200d↔️", "🧑\u200d🧑\u200d🧒", "🫟", "🪉", "🫩",
	"ab", "👍👍", "🇩🇪🇫🇷", "\U0001F1E6\U0001F1E8\U0001F1E6", "a\u200db", "👩\u200d", "\u200d👩",
}

// graphemePool feeds the random strings: starters, extenders, joiners,
// Indic letters and viramas, Hangul jamo, emoji parts, controls.
var graphemePool = []rune{
	'a', 'x', '1', ' ', '\r', '\n', '\t',
	0x0301, 0x0308, 0x0323, 0x20DD, // combining marks
	0x200D, 0xFE0F, 0xFE0E, 0x200C, // ZWJ, VS16, VS15, ZWNJ
	0x1F44D, 0x1F469, 0x1F466, 0x1F3FD, 0x1F3FB, 0x2764, 0x1F525, 0x1F9D1, 0x1F91D, // emoji, skin tones
	0x1F1E9, 0x1F1EA, 0x1F1EB, // regional indicators
	0x0915, 0x0937, 0x094D, 0x093F, 0x0902, 0x0930, // Devanagari ka ssa virama i anusvara ra
	0x0995, 0x09CD, 0x0B95, 0x0BCD, 0x0D15, 0x0D4D, 0x0C15, 0x0C4D, 0x0C95, 0x0CCD, // Bengali Tamil Malayalam Telugu Kannada
	0x1780, 0x17D2, 0x1000, 0x1039, 0x103A, // Khmer coeng, Myanmar
	0x1100, 0x1161, 0x11A8, 0xAC00, 0xAC01, // Hangul L V T LV LVT
	0x0E01, 0x0E33, 0x0E48, // Thai
	0x0600, 0x0661, 0x0D4E, // prepend
	0xE0067, 0xE007F, 0x1F3F4, // tags, black flag
	0x00AD, 0x200B, 0x2060, 0xFFFD, 0x0000, 0x007F, 0x0085, // format/controls
	0x1F3FF, 0x1F9B0, 0x2640, 0x2642, 0x26A7, // hair, gender signs
}

var datetimeSamples = []string{
	"2024-11-24T05:06:07.000Z", "2024-11-24T05:06:07Z", "2024-11-24T05:06:07.1Z",
	"2024-11-24T05:06:07.123456789Z", "2024-11-24T05:06:07.123456789012345678901234Z",
	"2024-11-24T05:06:07+00:00", "2024-11-24T05:06:07-00:00", "2024-11-24T05:06:07+05:30",
	"2024-11-24T05:06:07-12:00", "2024-11-24T05:06:07+23:59", "2024-11-24T05:06:07+24:00",
	"2024-11-24T05:06:07+0000", "2024-11-24T05:06:07+00", "2024-11-24T05:06:07",
	"2024-11-24T05:06:07.000", "2024-11-24t05:06:07Z", "2024-11-24T05:06:07z",
	"2024-11-24 05:06:07Z", "2024-11-24", "2024-11-24T05:06Z", "20241124T050607Z",
	"2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2024-04-31T00:00:00Z", "2024-02-30T00:00:00Z",
	"2016-12-31T23:59:60Z", "2024-11-24T24:00:00Z", "2024-11-24T23:60:00Z",
	"0000-01-01T00:00:00Z", "0000-01-01T00:00:00+01:00", "0000-01-01T00:00:00-01:00",
	"9999-12-31T23:59:59Z", "9999-12-31T23:59:59-01:00", "1970-01-01T00:00:00Z",
	"1985-04-12T23:20:50.123Z ", " 1985-04-12T23:20:50.123Z", "", "now", "1985-04-12T23:20:50.Z",
	"1985-04-12T23:20:50,123Z", "+001985-04-12T23:20:50.123Z", "1985-4-12T23:20:50Z",
	"1985-04-12T23:20:50.123456789+01:45",
}

var languageSamples = []string{
	"en", "en-US", "JA", "jaja", "x-private", "X-fr-CH", "i-default", "i-klingon", "zh-Hant-TW",
	"de-DE-1901-1901", "en-a-foo-a-bar", "en-u-co-phonebk-t-en-US", "sgn-BE-NL", "en-", "e", "eng",
	"en-GB-oed", "art-lojban", "enGB", "en_US", "en-US-x-twain", "mn-Cyrl-MN", "hy-Latn-IT-arevela",
	"es-419", "en-abcdefghi", "de-CH-1901", "ja-Latn-hepburn-heploc", "en-a", "ab-cde-fgh-ijk-lmn",
}

// generateCases builds the records of the differential test.
func generateCases(t *testing.T) []diffCase {
	t.Helper()
	var cases []diffCase
	add := func(name string, nsid syntax.NSID, fieldName string, value any, rec map[string]any) {
		cases = append(cases, diffCase{
			name:   fmt.Sprintf("%04d_%s", len(cases), name),
			nsid:   nsid,
			record: marshalCase(t, rec),
			field:  fieldName,
			value:  value,
		})
	}
	status := func(fields map[string]any) map[string]any {
		rec := map[string]any{"$type": "xyz.statusphere.status", "status": "👍", "createdAt": "2024-11-24T05:06:07.000Z"}
		for k, v := range fields {
			if v == nil {
				delete(rec, k)
			} else {
				rec[k] = v
			}
		}
		return rec
	}
	statusWith := func(k string, v any) map[string]any { return status(map[string]any{k: v}) }

	// The app's record: statuses.
	for _, s := range graphemeSamples {
		add("status "+quoteCut(s), StatusNSID, "status", s, statusWith("status", s))
	}
	for i, a := range graphemeSamples {
		b := graphemeSamples[(i*7+3)%len(graphemeSamples)]
		add("status pair "+quoteCut(a+b), StatusNSID, "status", a+b, statusWith("status", a+b))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 1500 {
		n := 1 + rng.IntN(5)
		var sb strings.Builder
		for range n {
			sb.WriteRune(graphemePool[rng.IntN(len(graphemePool))])
		}
		s := sb.String()
		add("status random "+quoteCut(s), StatusNSID, "status", s, statusWith("status", s))
	}
	add("status long", StatusNSID, "status", "", statusWith("status", strings.Repeat("a", 33)))
	add("status 32 bytes of combining marks", StatusNSID, "status", "", statusWith("status", "e"+strings.Repeat("\u0301", 15)+"a"))
	add("status 33 bytes one grapheme", StatusNSID, "status", "", statusWith("status", "e"+strings.Repeat("\u0301", 16)))

	// The app's record: datetimes, from samples, the syntax vectors and
	// random assemblies.
	dts := append([]string{}, datetimeSamples...)
	for _, f := range []string{"datetime_syntax_valid.txt", "datetime_syntax_invalid.txt", "datetime_parse_invalid.txt"} {
		for _, l := range vectorLines(t, filepath.Join(interopDir(t, "syntax"), f)) {
			dts = append(dts, l.text)
		}
	}
	pick := func(opts ...string) string { return opts[rng.IntN(len(opts))] }
	for range 400 {
		dts = append(dts, pick("1985", "0000", "9999", "2024", "0001", "1900", "2000")+"-"+
			pick("01", "02", "04", "12", "00", "13", "1")+"-"+
			pick("01", "28", "29", "30", "31", "00", "32", "9")+pick("T", "t", " ")+
			pick("00", "12", "23", "24", "9")+":"+pick("00", "59", "60", "5")+":"+
			pick("00", "59", "60", "61", "5")+pick("", ".1", ".123", ".123456", ".1234567890123", ".", ",5")+
			pick("Z", "z", "+00:00", "-00:00", "+01:00", "-01:00", "+23:59", "+24:00", "+0100", "+01", "", "+1:00", "-12:00"))
	}
	for _, d := range dts {
		add("createdAt "+quoteCut(d), StatusNSID, "createdAt", d, statusWith("createdAt", d))
	}

	// The app's record: shapes.
	wrongTypes := map[string]any{
		"int": 1, "float": raw("1.5"), "int-float": raw("2.0"), "bool": true, "null": raw("null"),
		"array": []any{"👍"}, "object": map[string]any{"a": 1},
		"bytes": map[string]any{"$bytes": "AQID"}, "link": map[string]any{"$link": cidA},
		"blob": map[string]any{"$type": "blob", "ref": map[string]any{"$link": cidRaw}, "mimeType": "image/png", "size": 3},
	}
	for _, f := range []string{"status", "createdAt"} {
		add("missing "+f, StatusNSID, f, nil, statusWith(f, nil))
		for tn, v := range wrongTypes {
			add(f+" as "+tn, StatusNSID, f, v, statusWith(f, v))
		}
	}
	for tn, v := range wrongTypes {
		add("extra field "+tn, StatusNSID, "extra", v, statusWith("extra", v))
	}
	add("extra nested", StatusNSID, "extra", nil, statusWith("app.other.mood", map[string]any{"$type": "app.other.mood", "why": []any{1, map[string]any{"x": nil}}}))
	add("extra $type empty", StatusNSID, "extra", nil, statusWith("extra", map[string]any{"$type": ""}))
	add("extra $type number", StatusNSID, "extra", nil, statusWith("extra", map[string]any{"$type": 3}))
	add("extra bad bytes", StatusNSID, "extra", nil, statusWith("extra", map[string]any{"$bytes": 3}))
	add("extra bad link", StatusNSID, "extra", nil, statusWith("extra", map[string]any{"$link": "nope"}))
	add("extra link with more", StatusNSID, "extra", nil, statusWith("extra", map[string]any{"$link": cidA, "x": 1}))
	add("extra blob missing size", StatusNSID, "extra", nil, statusWith("extra", map[string]any{"$type": "blob", "ref": map[string]any{"$link": cidRaw}, "mimeType": "image/png"}))
	add("extra huge int", StatusNSID, "extra", nil, statusWith("extra", raw("9007199254740993")))
	add("extra exponent", StatusNSID, "extra", nil, statusWith("extra", raw("1e3")))
	for _, tv := range []any{"xyz.statusphere.status#main", "xyz.statusphere.status#other", "com.example.status", "XYZ.statusphere.status", "", 3, raw("null")} {
		add(fmt.Sprintf("$type %v", tv), StatusNSID, "$type", tv, statusWith("$type", tv))
	}
	add("$type missing", StatusNSID, "$type", nil, statusWith("$type", nil))

	// The kitchen-sink schema, one field at a time on a valid base.
	kitchen := func(fields map[string]any) map[string]any {
		rec := map[string]any{"$type": string(kitchenNSID), "text": "ok", "defaulted": "d", "nullableReq": raw("null")}
		for k, v := range fields {
			if v == nil {
				delete(rec, k)
			} else {
				rec[k] = v
			}
		}
		return rec
	}
	kf := func(name, fieldName string, value any) {
		add(name, kitchenNSID, fieldName, value, kitchen(map[string]any{fieldName: value}))
	}
	add("kitchen base", kitchenNSID, "", nil, kitchen(nil))
	add("kitchen defaulted absent", kitchenNSID, "defaulted", nil, kitchen(map[string]any{"defaulted": nil}))
	add("kitchen nullableReq absent", kitchenNSID, "nullableReq", nil, kitchen(map[string]any{"nullableReq": nil}))
	kf("kitchen nullableReq value", "nullableReq", "abc")
	kf("kitchen nullableReq too long", "nullableReq", "abcdef")
	kf("kitchen nullableOpt null", "nullableOpt", raw("null"))
	kf("kitchen nullableOpt int", "nullableOpt", 3)
	kf("kitchen text null", "text", raw("null"))
	for _, s := range graphemeSamples {
		kf("kitchen text "+quoteCut(s), "text", s)
		kf("kitchen text x3 "+quoteCut(s), "text", s+s+s)
		kf("kitchen tag "+quoteCut(s), "tags", []any{s + s})
	}
	for _, n := range []any{raw("-6"), raw("-5"), raw("0"), raw("100"), raw("101"), raw("1.0"), raw("1.5"), raw("-0"), raw("1e2"), raw("9007199254740993"), "1", true} {
		kf(fmt.Sprintf("kitchen count %v", n), "count", n)
	}
	for _, n := range []any{raw("1"), raw("3"), raw("4"), raw("0")} {
		kf(fmt.Sprintf("kitchen choice %v", n), "choice", n)
	}
	for _, n := range []any{raw("7"), raw("7.0"), raw("8")} {
		kf(fmt.Sprintf("kitchen fixed %v", n), "fixed", n)
	}
	for _, b := range []any{true, false, "true", 1, raw("null")} {
		kf(fmt.Sprintf("kitchen flag %v", b), "flag", b)
		kf(fmt.Sprintf("kitchen yes %v", b), "yes", b)
	}
	for _, w := range []any{"alpha", "beta", "gamma", "", "Alpha"} {
		kf(fmt.Sprintf("kitchen word %v", w), "word", w)
	}
	for _, w := range []any{"red", "green", "a-very-long-value"} {
		kf(fmt.Sprintf("kitchen known %v", w), "known", w)
	}
	for _, w := range []any{"exact", "Exact", ""} {
		kf(fmt.Sprintf("kitchen exact %q", w), "exact", w)
	}
	for _, d := range []any{
		map[string]any{"$bytes": "AQID"}, map[string]any{"$bytes": "AQI="}, map[string]any{"$bytes": "AQI"},
		map[string]any{"$bytes": ""}, map[string]any{"$bytes": "AQIDBAUGBwg"}, map[string]any{"$bytes": "AQIDBAUGBwgJ"},
		map[string]any{"$bytes": "-_8"}, map[string]any{"$bytes": "+/8"}, map[string]any{"$bytes": "123"},
		map[string]any{"$bytes": "green"}, map[string]any{"$bytes": "a"}, map[string]any{"$bytes": "AQID", "x": 1},
		map[string]any{"$bytes": 3}, map[string]any{}, "AQID", []any{1, 2},
	} {
		kf(fmt.Sprintf("kitchen data %v", d), "data", d)
	}
	for _, l := range []any{
		map[string]any{"$link": cidA}, map[string]any{"$link": cidRaw},
		map[string]any{"$link": "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR"},
		map[string]any{"$link": "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabw"},
		map[string]any{"$link": 3}, map[string]any{"$link": cidA, "x": 1}, cidA,
	} {
		kf(fmt.Sprintf("kitchen link %v", l), "link", l)
	}
	blob := func(mime string, size any) map[string]any {
		return map[string]any{"$type": "blob", "ref": map[string]any{"$link": cidRaw}, "mimeType": mime, "size": size}
	}
	for _, b := range []any{
		blob("image/png", 10), blob("image/jpeg", 1000), blob("image/png", 1001), blob("video/mp4", 5),
		blob("video/webm", 5), blob("text/plain", 5), blob("", 5), blob("image/png", -1), blob("image/png", raw("1.5")),
		blob("image/png", raw("2.0")), blob("image/png", "10"),
		map[string]any{"cid": cidRaw, "mimeType": "image/png"},
		map[string]any{"cid": cidRaw, "mimeType": "text/plain"},
		map[string]any{"cid": "nope", "mimeType": "image/png"},
		map[string]any{"$type": "blob", "ref": map[string]any{"$link": cidRaw}, "mimeType": "image/png", "size": 1, "x": 1},
		map[string]any{"$type": "blob", "ref": cidRaw, "mimeType": "image/png", "size": 1},
		map[string]any{"$type": "blob", "mimeType": "image/png", "size": 1},
		"blob", map[string]any{"mimeType": "image/png"},
	} {
		kf(fmt.Sprintf("kitchen pic %v", b), "pic", b)
		kf(fmt.Sprintf("kitchen anyBlob %v", b), "anyBlob", b)
	}
	for tn, v := range wrongTypes {
		kf("kitchen anything "+tn, "anything", v)
	}
	kf("kitchen anything typed", "anything", map[string]any{"$type": "test.statusphere.kitchen#point", "x": "not a number"})
	kf("kitchen anything empty", "anything", map[string]any{})
	kf("kitchen anything nested array", "anything", map[string]any{"a": []any{[]any{1}}})
	kf("kitchen anything array of objects", "anything", []any{map[string]any{"a": 1}})
	kf("kitchen anything string", "anything", "s")
	for _, tags := range []any{[]any{}, []any{"a"}, []any{"a", "b", "c"}, []any{"a", "b", "c", "d"}, []any{1}, []any{raw("null")}, "a"} {
		kf(fmt.Sprintf("kitchen tags %v", tags), "tags", tags)
	}
	point := func(t string, x any) map[string]any {
		m := map[string]any{"x": x, "y": 2}
		if t != "" {
			m["$type"] = t
		}
		return m
	}
	for _, p := range []any{
		point("", 1), point("", "1"), map[string]any{"x": 1}, point("test.statusphere.kitchen#point", 1),
		point("com.example.other", 1), point("", raw("null")), "point", point("", 1.5),
		map[string]any{"x": 1, "y": 2, "label": "👩\u200d👩\u200d👦\u200d👦"}, map[string]any{"x": 1, "y": 2, "label": "ab"},
		map[string]any{"x": 1, "y": 2, "extra": map[string]any{"deep": true}},
	} {
		kf(fmt.Sprintf("kitchen refObj %v", p), "refObj", p)
	}
	for _, o := range []any{
		map[string]any{"n": 3}, map[string]any{"n": 10}, map[string]any{}, map[string]any{"n": 1, "label": "123456789"},
		map[string]any{"$type": "test.statusphere.other", "n": 1}, map[string]any{"$type": "nonsense", "n": 1},
	} {
		kf(fmt.Sprintf("kitchen refOther %v", o), "refOther", o)
	}
	for _, s := range []any{"abcd", "abcde", 4} {
		kf(fmt.Sprintf("kitchen refString %v", s), "refString", s)
	}
	typed := func(t any, fields map[string]any) map[string]any {
		m := map[string]any{}
		if t != nil {
			m["$type"] = t
		}
		for k, v := range fields {
			m[k] = v
		}
		return m
	}
	unionTypes := []any{
		"test.statusphere.kitchen#point", "test.statusphere.kitchen#point#x", "#point", "lex:test.statusphere.kitchen#point",
		"test.statusphere.other", "test.statusphere.other#main", "test.statusphere.other#b", "test.statusphere.other#c",
		"test.statusphere.kitchen#formats", "test.statusphere.kitchen#shortString", "test.statusphere.kitchen#token",
		"test.statusphere.kitchen", "com.example.unknown", "com.example.unknown#thing", "not an nsid", "main", "#", "a#b#c",
		"TEST.statusphere.other", "test.statusphere.other#", 3, nil,
	}
	bodies := []map[string]any{
		{"x": 1, "y": 2}, {"x": "one", "y": 2}, {"n": 1}, {"n": 99}, {"when": "2024-11-24T05:06:07Z"}, {"when": "yesterday"},
		{"datetime": "nope"}, {}, {"inner": map[string]any{"n": "x"}},
	}
	for _, f := range []string{"open", "openMain", "closed"} {
		for _, ut := range unionTypes {
			for _, b := range bodies {
				kf(fmt.Sprintf("kitchen %s $type=%v %v", f, ut, b), f, typed(ut, b))
			}
		}
		for _, v := range []any{"str", 1, []any{}, raw("null"), map[string]any{"$bytes": "AQID"},
			blob("image/png", 1), map[string]any{"$type": ""}} {
			kf(fmt.Sprintf("kitchen %s %v", f, v), f, v)
		}
	}
	for _, items := range []any{
		[]any{typed("test.statusphere.kitchen#point", map[string]any{"x": 1, "y": 2})},
		[]any{typed("test.statusphere.kitchen#point", map[string]any{"x": 1})},
		[]any{typed("com.example.x", map[string]any{"x": 1})},
		[]any{map[string]any{"x": 1, "y": 2}},
		[]any{}, "nope",
	} {
		kf(fmt.Sprintf("kitchen items %v", items), "items", items)
	}
	for _, n := range []any{
		map[string]any{"inner": map[string]any{"x": 1}}, map[string]any{"inner": map[string]any{"x": 1, "y": "2024-11-24T05:06:07Z", "z": []any{}}},
		map[string]any{"inner": map[string]any{"y": "2024-11-24T05:06:07Z"}}, map[string]any{}, map[string]any{"inner": map[string]any{"x": 1, "y": "bad"}},
		map[string]any{"inner": raw("null")}, map[string]any{"inner": []any{}},
	} {
		kf(fmt.Sprintf("kitchen nested %v", n), "nested", n)
	}

	// Every string format, with the syntax vectors and samples.
	formats := map[string]string{
		"atidentifier": "atIdentifier", "aturi": "atUri", "cid": "cid", "datetime": "datetime", "did": "did",
		"handle": "handle", "language": "language", "nsid": "nsid", "recordkey": "recordKey", "tid": "tid", "uri": "uri",
	}
	for _, file := range slices.Sorted(maps.Keys(formats)) {
		prop := formats[file]
		addFormat := func(v, vector string) {
			add("format "+prop+" "+quoteCut(v), kitchenNSID, "formats."+prop, v,
				kitchen(map[string]any{"formats": map[string]any{prop: v}}))
			cases[len(cases)-1].vector = vector
		}
		for _, suffix := range []string{"_syntax_valid.txt", "_syntax_invalid.txt", "_parse_invalid.txt"} {
			if suffix == "_parse_invalid.txt" && file != "datetime" && file != "language" {
				continue
			}
			for _, l := range vectorLines(t, filepath.Join(interopDir(t, "syntax"), file+suffix)) {
				addFormat(l.text, file+suffix)
			}
		}
		extra := map[string][]string{"language": languageSamples, "datetime": datetimeSamples}[file]
		for _, v := range extra {
			addFormat(v, "")
		}
	}

	// The interop catalog's record fixtures.
	for _, f := range []string{"record-data-valid.json", "record-data-invalid.json"} {
		for _, fx := range readJSONFile[[]recordFixture](t, filepath.Join(interopDir(t, "lexicon"), f)) {
			var rec map[string]any
			if err := json.Unmarshal(fx.Data, &rec); err != nil {
				t.Fatalf("decoding fixture %s: %v", fx.Name, err)
			}
			cases = append(cases, diffCase{
				name:   fmt.Sprintf("%04d_interop %s %s", len(cases), f, fx.Name),
				nsid:   interopNSID,
				record: fx.Data,
				field:  "interop:" + fx.Name,
			})
		}
	}
	return cases
}
