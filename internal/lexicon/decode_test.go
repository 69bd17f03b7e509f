package lexicon

import (
	"bytes"
	"testing"

	"github.com/bluesky-social/indigo/atproto/atdata"
)

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		name  string
		json  string
		bytes []byte // the decoded "b" field; nil when decoding must fail
	}{
		{"unpadded", `{"b":{"$bytes":"AQI"}}`, []byte{1, 2}},
		{"padded one", `{"b":{"$bytes":"AQI="}}`, []byte{1, 2}},
		{"padded two", `{"b":{"$bytes":"AQ=="}}`, []byte{1}},
		{"padded nested", `{"x":[{"y":{"b":{"$bytes":"AQ=="}}}],"b":{"$bytes":"AQ=="}}`, []byte{1}},
		{"too much padding", `{"b":{"$bytes":"AQ==="}}`, nil},
		{"padding alone", `{"b":{"$bytes":"===="}}`, nil},
		{"url-safe", `{"b":{"$bytes":"-_8"}}`, nil},
		{"padded but float elsewhere", `{"b":{"$bytes":"AQ=="},"f":1.5}`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := DecodeJSON([]byte(tc.json))
			if tc.bytes == nil {
				if err == nil {
					t.Fatalf("DecodeJSON(%s) succeeded: %v", tc.json, rec)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeJSON(%s): %v", tc.json, err)
			}
			got, ok := rec["b"].(atdata.Bytes)
			if !ok || !bytes.Equal(got, tc.bytes) {
				t.Errorf("b = %#v, want %v", rec["b"], tc.bytes)
			}
		})
	}
}
