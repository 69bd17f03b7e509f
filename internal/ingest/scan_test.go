package ingest

import (
	"testing"

	"github.com/statusphere/statusphere/internal/collection"
)

// scanRegistry holds the default collections.
var scanRegistry = collection.Default(nil)

// scanWants is the ingester's filter of the default collections.
func scanWants() func([]byte) bool {
	return (&Ingester{collections: scanRegistry}).wantsPath
}

// checkScan checks scanCommitFrame against decodeFrame on b: a frame the
// scan accepts must decode as a #commit with the same seq and time, and
// be ours exactly when one of its ops is (collection.Registry.WantsPath).
func checkScan(t *testing.T, b []byte, wants func([]byte) bool) bool {
	t.Helper()
	c, ok := scanCommitFrame(b, wants)
	if !ok {
		return false
	}
	f, err := decodeFrame(b)
	if err != nil || f.kind != kindCommit {
		t.Fatalf("scan accepted a frame decodeFrame does not decode as a commit: %v (% x)", err, b)
	}
	ours := false
	for _, op := range f.commit.Ops {
		if op != nil && scanRegistry.WantsPath(op.Path) {
			ours = true
		}
	}
	if c.seq != f.commit.Seq || string(c.time) != f.commit.Time || c.ours != ours {
		t.Fatalf("scan = seq %d, time %q, ours %v; decodeFrame = seq %d, time %q, ours %v",
			c.seq, c.time, c.ours, f.commit.Seq, f.commit.Time, ours)
	}
	return true
}

func TestScanCommitFrame(t *testing.T) {
	rec, err := readRecording(framesTestdata)
	if err != nil {
		t.Fatal(err)
	}
	wants := scanWants()
	commits, scanned := 0, 0
	for _, b := range rec.Frames {
		f, err := decodeFrame(b)
		if err != nil {
			t.Fatal(err)
		}
		if f.kind == kindCommit {
			commits++
		}
		if checkScan(t, b, wants) {
			scanned++
		}
	}
	if commits == 0 || scanned != commits {
		t.Errorf("scan accepted %d of the recording's %d commits", scanned, commits)
	}

	// Damaged frames: every truncation and every single-byte change of a
	// few commits must be rejected, or agree with decodeFrame.
	n := 0
	for _, b := range rec.Frames {
		if _, ok := scanCommitFrame(b, wants); !ok || n == 3 {
			continue
		}
		n++
		for l := range b {
			checkScan(t, b[:l], wants)
		}
		for j := range b {
			for _, v := range []byte{0x00, 0x01, 0x17, 0x18, 0xf6, 0xff, b[j] ^ 0x01, b[j] ^ 0x80} {
				m := append([]byte(nil), b...)
				m[j] = v
				checkScan(t, m, wants)
			}
		}
	}
}

// FuzzScanCommitFrame checks that the filter's scan never accepts a frame
// decodeFrame rejects, nor disagrees with it on what it accepts.
func FuzzScanCommitFrame(f *testing.F) {
	rec, err := readRecording(framesTestdata)
	if err != nil {
		f.Fatal(err)
	}
	for _, b := range rec.Frames {
		f.Add(b)
	}
	wants := scanWants()
	f.Fuzz(func(t *testing.T, b []byte) {
		checkScan(t, b, wants)
	})
}

func TestWantsPathMatchesRegistry(t *testing.T) {
	wants := scanWants()
	st := collection.StatusNSID.String()
	for _, p := range []string{"", "/", "x", st, st + "/", st + "/3k", st + "/a/b", "/" + st, "app.bsky.feed.post/3k", st + "x/3k"} {
		if got, want := wants([]byte(p)), scanRegistry.WantsPath(p); got != want {
			t.Errorf("wantsPath(%q) = %v, Registry.WantsPath = %v", p, got, want)
		}
	}
	if !wants([]byte(st + "/3k")) {
		t.Errorf("wantsPath(%q) = false", st+"/3k")
	}
}
