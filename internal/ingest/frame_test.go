package ingest

import (
	"errors"
	"testing"
)

func TestDecodeFrame(t *testing.T) {
	rec, err := readRecording(framesTestdata)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, b := range rec.Frames {
		f, err := decodeFrame(b)
		if err != nil {
			t.Fatalf("recorded frame: %v", err)
		}
		kinds[f.kind]++
		if seq, ok := f.seq(); !ok || seq <= 0 {
			t.Errorf("%s frame: seq %d, %v", f.kind, seq, ok)
		}
		if f.time() == "" {
			t.Errorf("%s frame without time", f.kind)
		}
	}
	for _, k := range []string{kindCommit, kindIdentity, kindAccount, kindSync} {
		if kinds[k] == 0 {
			t.Errorf("no %s frame in the recording (%v)", k, kinds)
		}
	}

	good := rec.Frames[len(rec.Frames)-1]
	cases := []struct {
		name string
		b    []byte
		kind string // "" means malformed
	}{
		{"empty", nil, ""},
		{"header only", []byte{0xa2, 0x61, 't', 0x67, '#', 'c', 'o', 'm', 'm', 'i', 't', 0x62, 'o', 'p', 0x01}, ""},
		{"truncated", good[:len(good)-3], ""},
		{"trailing byte", append(append([]byte{}, good...), 0), ""},
		{"not a map", []byte{0x01, 0x02}, ""},
		{"unknown op", []byte{0xa2, 0x62, 'o', 'p', 0x07, 0x61, 't', 0x60}, ""},
		{"unknown type", []byte{0xa2, 0x61, 't', 0x64, '#', 'n', 'e', 'w', 0x62, 'o', 'p', 0x01, 0xa0}, kindUnknown},
		{"error frame", []byte{0xa1, 0x62, 'o', 'p', 0x20, 0xa2, 0x65, 'e', 'r', 'r', 'o', 'r', 0x6c, 'F', 'u', 't', 'u', 'r', 'e', 'C', 'u', 'r', 's', 'o', 'r', 0x67, 'm', 'e', 's', 's', 'a', 'g', 'e', 0x60}, kindError},
		{"good", good, kindCommit},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := decodeFrame(tc.b)
			if tc.kind == "" {
				if !errors.Is(err, errMalformed) {
					t.Fatalf("decodeFrame = %+v, %v; want errMalformed", f, err)
				}
				return
			}
			if err != nil || f.kind != tc.kind {
				t.Fatalf("decodeFrame = %+v, %v; want a %s frame", f, err, tc.kind)
			}
		})
	}
}

// FuzzDecodeFrame checks that no input makes the decoder panic, or accept a
// frame the consumer could not handle.
func FuzzDecodeFrame(f *testing.F) {
	rec, err := readRecording(framesTestdata)
	if err != nil {
		f.Fatal(err)
	}
	for _, b := range rec.Frames {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := decodeFrame(b)
		if err != nil {
			if !errors.Is(err, errMalformed) {
				t.Fatalf("error %v does not wrap errMalformed", err)
			}
			return
		}
		if seq, ok := fr.seq(); ok && seq <= 0 {
			t.Fatalf("accepted a %s frame with seq %d", fr.kind, seq)
		}
		_ = fr.time()
		switch fr.kind {
		case kindCommit:
			for _, op := range fr.commit.Ops {
				if op == nil {
					continue
				}
				if rkey, ok := isOurs(op.Path); ok && op.Path != Collection+"/"+rkey {
					t.Fatalf("isOurs(%q) = %q", op.Path, rkey)
				}
			}
		case kindError:
			_ = fr.errFrame.Error
		case kindInfo:
			_ = fr.info.Name
		case kindSync, kindIdentity, kindAccount, kindUnknown:
		default:
			t.Fatalf("unexpected kind %q", fr.kind)
		}
	})
}
