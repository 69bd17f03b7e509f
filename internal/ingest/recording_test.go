package ingest

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/gorilla/websocket"
)

// A recording is a captured subscribeRepos stream — the frames exactly as
// the PDS sent them — with the identities (DID documents) needed to verify
// them offline. Stored as gzipped JSON.
type recording struct {
	Identities []identity.Identity `json:"identities"`
	Frames     [][]byte            `json:"frames"`
}

var updateTestdata = flag.Bool("update", false, "rewrite testdata/frames.json.gz from the local PDS network (TestRecordedFramesAreCurrent)")

// framesTestdata is the small committed recording (see
// TestRecordedFramesAreCurrent).
const framesTestdata = "testdata/frames.json.gz"

func writeRecording(path string, rec *recording) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err := json.NewEncoder(zw).Encode(rec); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

func readRecording(path string) (*recording, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var rec recording
	if err := json.NewDecoder(zr).Decode(&rec); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return &rec, nil
}

// directory serves the recording's identities with their signing keys and
// no services: nothing is fetched from a PDS.
func (r *recording) directory() *identity.MockDirectory {
	dir := identity.NewMockDirectory()
	for _, id := range r.Identities {
		id.Services = nil
		dir.Insert(id)
	}
	return dir
}

// captureFrames reads a subscribeRepos stream from its first event until it
// has been quiet for idle.
func captureFrames(ctx context.Context, firehoseURL string, idle time.Duration) ([][]byte, error) {
	conn, _, err := websocket.DefaultDialer.DialContext(ctx, firehoseURL+"?cursor=0", nil)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", firehoseURL, err)
	}
	defer conn.Close()
	var frames [][]byte
	for {
		_ = conn.SetReadDeadline(time.Now().Add(idle))
		mt, b, err := conn.ReadMessage()
		if err != nil {
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() {
				return frames, nil
			}
			return nil, fmt.Errorf("read: %w", err)
		}
		if mt == websocket.BinaryMessage {
			frames = append(frames, b)
		}
	}
}

// recordIdentities looks up every DID whose events appear in frames.
func recordIdentities(ctx context.Context, dir identity.Directory, frames [][]byte) ([]identity.Identity, error) {
	seen := map[string]bool{}
	var out []identity.Identity
	for _, b := range frames {
		f, err := decodeFrame(b)
		if err != nil {
			return nil, err
		}
		did := ""
		switch {
		case f.commit != nil:
			did = f.commit.Repo
		case f.sync != nil:
			did = f.sync.Did
		case f.identity != nil:
			did = f.identity.Did
		case f.account != nil:
			did = f.account.Did
		}
		if did == "" || seen[did] {
			continue
		}
		seen[did] = true
		id, err := dir.LookupDID(ctx, syntax.DID(did))
		if err != nil {
			return nil, fmt.Errorf("look up %s: %w", did, err)
		}
		out = append(out, *id)
	}
	return out, nil
}

// TestRecordedFramesAreCurrent runs the script behind the committed
// recording on the local network — alice and bob write statuses (valid,
// invalid, updated, deleted) and other records — captures the firehose, and
// checks that the recording has the same events; -update rewrites it.
func TestRecordedFramesAreCurrent(t *testing.T) {
	net := startNet(t)
	ctx := t.Context()
	alice, bob := net.Account("alice"), net.Account("bob")
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(alice.CreateRecord(ctx, Collection, "", statusRecord("😀"), nil))
	must(nil, bob.SetDisplayName(ctx, "Bob"))
	ref, err := bob.CreateRecord(ctx, Collection, "", statusRecord("🦋", "mood", "sunny"), nil)
	must(ref, err)
	must(alice.CreateRecord(ctx, "app.bsky.feed.post", "", map[string]any{"$type": "app.bsky.feed.post", "text": "hello", "createdAt": syntax.DatetimeNow().String()}, nil))
	must(bob.CreateRecord(ctx, Collection, "", statusRecord("🦋🦋"), noValidate))
	rkey := syntax.ATURI(ref.URI).RecordKey().String()
	must(bob.PutRecord(ctx, Collection, rkey, statusRecord("🐢"), nil))
	ref2, err := alice.CreateRecord(ctx, Collection, "", statusRecord("🙂"), nil)
	must(ref2, err)
	must(nil, alice.DeleteRecord(ctx, Collection, syntax.ATURI(ref2.URI).RecordKey().String()))
	must(alice.CreateRecord(ctx, "com.example.other", "", map[string]any{"$type": "com.example.other", "n": 1}, noValidate))
	must(bob.CreateRecord(ctx, Collection, "", statusRecord("🎉"), nil))

	frames, err := captureFrames(ctx, net.FirehoseURL(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := recordIdentities(ctx, net.Directory(), frames)
	if err != nil {
		t.Fatal(err)
	}
	if *updateTestdata {
		if err := writeRecording(framesTestdata, &recording{Identities: ids, Frames: frames}); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %d frames, %d identities to %s", len(frames), len(ids), framesTestdata)
		return
	}
	committed, err := readRecording(framesTestdata)
	if err != nil {
		t.Fatal(err)
	}
	got, want := shape(t, frames), shape(t, committed.Frames)
	if !slices.Equal(got, want) {
		t.Errorf("the network now emits\n%s\nthe recording has\n%s\n(regenerate with go test ./internal/ingest -run TestRecordedFramesAreCurrent -args -update)",
			strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// shape describes frames by type and, for commits, action and collection.
func shape(t *testing.T, frames [][]byte) []string {
	t.Helper()
	var out []string
	for _, b := range frames {
		f, err := decodeFrame(b)
		if err != nil {
			t.Fatal(err)
		}
		s := f.kind
		if f.commit != nil {
			for _, op := range f.commit.Ops {
				coll, _, _ := strings.Cut(op.Path, "/")
				s += " " + op.Action + " " + coll
			}
		}
		out = append(out, s)
	}
	return out
}
