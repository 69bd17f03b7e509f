package ingest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/atcrypto"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/testnet"
)

var replayPath = flag.String("replay", "", "recording for BenchmarkIngestReplay (default: .cache/ingest/replay-v1.json.gz at the module root, generated from the local PDS network when missing)")

const (
	replayAccounts = 40
	replayWrites   = 10_000 // one commit, hence one frame, each
)

var replayCache struct {
	sync.Mutex
	rec *recording
}

// replayRecording loads the benchmark's recording (once per process),
// generating it first if it is missing (about a minute and a half: the PDS
// takes ~150 writes/s).
func replayRecording(b *testing.B) *recording {
	b.Helper()
	replayCache.Lock()
	defer replayCache.Unlock()
	if replayCache.rec != nil {
		return replayCache.rec
	}
	path := *replayPath
	if path == "" {
		root, err := moduleRoot()
		if err != nil {
			b.Fatal(err)
		}
		path = filepath.Join(root, ".cache", "ingest", "replay-v1.json.gz")
	}
	rec, err := readRecording(path)
	if err == nil {
		replayCache.rec = rec
		return rec
	}
	if !errors.Is(err, fs.ErrNotExist) {
		b.Fatal(err)
	}
	b.Logf("generating %s from the local PDS network (%d accounts, %d writes)", path, replayAccounts, replayWrites)
	rec, err = generateReplay(b)
	if err != nil {
		b.Fatal(err)
	}
	if err := writeRecording(path, rec); err != nil {
		b.Fatal(err)
	}
	replayCache.rec = rec
	return rec
}

// generateReplay writes replayWrites records from replayAccounts accounts
// to the local PDS — posts, likes, follows, profiles, records of
// collections nobody knows, ~1% statuses, with some updates and deletes —
// and captures the whole firehose.
func generateReplay(b *testing.B) (*recording, error) {
	var names []string
	for i := range replayAccounts {
		names = append(names, fmt.Sprintf("user%02d", i))
	}
	net := testnet.Start(b, testnet.WithAccounts(names...))
	ctx := context.Background()
	accts := net.Accounts()
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		errMu sync.Mutex
		first error
	)
	began := time.Now()
	for _, a := range accts {
		wg.Go(func() {
			var lastStatus string
			for {
				n := next.Add(1)
				if n > replayWrites {
					return
				}
				now := syntax.DatetimeNow().String()
				var err error
				switch {
				case n%100 == 0 && lastStatus != "" && n%300 == 0:
					err = a.DeleteRecord(ctx, Collection, lastStatus)
					lastStatus = ""
				case n%100 == 0:
					var ref testnet.RecordRef
					ref, err = a.CreateRecord(ctx, Collection, "", statusRecord("🦋"), nil)
					if err == nil {
						lastStatus = syntax.ATURI(ref.URI).RecordKey().String()
					}
				case n%10 < 4:
					_, err = a.CreateRecord(ctx, "app.bsky.feed.post", "", map[string]any{"$type": "app.bsky.feed.post", "text": fmt.Sprintf("post %d", n), "createdAt": now}, noValidate)
				case n%10 < 7:
					_, err = a.CreateRecord(ctx, "app.bsky.feed.like", "", map[string]any{"$type": "app.bsky.feed.like", "createdAt": now,
						"subject": map[string]any{"uri": "at://did:plc:aaaaaaaaaaaaaaaaaaaaaaaa/app.bsky.feed.post/3jzfcijpj2z2a", "cid": "bafyreig2fjxi3rptqdgylg7e5hmjl6mcke7rn2b6cugzlqq3i4zu6rq52q"}}, noValidate)
				case n%10 < 8:
					_, err = a.CreateRecord(ctx, "app.bsky.graph.follow", "", map[string]any{"$type": "app.bsky.graph.follow", "subject": accts[int(n)%len(accts)].DID.String(), "createdAt": now}, noValidate)
				case n%10 < 9:
					_, err = a.PutRecord(ctx, "app.bsky.actor.profile", "self", map[string]any{"$type": "app.bsky.actor.profile", "displayName": fmt.Sprintf("User %d", n)}, noValidate)
				default:
					_, err = a.CreateRecord(ctx, "com.example.thing", "", map[string]any{"$type": "com.example.thing", "n": n}, noValidate)
				}
				if err != nil {
					errMu.Lock()
					first = errors.Join(first, fmt.Errorf("write %d as %s: %w", n, a.Handle, err))
					errMu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	b.Logf("%d writes in %s", replayWrites, time.Since(began).Round(time.Second))
	frames, err := captureFrames(ctx, net.FirehoseURL(), 3*time.Second)
	if err != nil {
		return nil, err
	}
	ids, err := recordIdentities(ctx, net.Directory(), frames)
	if err != nil {
		return nil, err
	}
	return &recording{Identities: ids, Frames: frames}, nil
}

// moduleRoot is the nearest directory above the working directory with a
// go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// k256VerifyRate measures this machine's raw K-256 signature verification
// rate (indigo atcrypto), for comparison with the replay rate.
func k256VerifyRate(b *testing.B) float64 {
	priv, err := atcrypto.GeneratePrivateKeyK256()
	if err != nil {
		b.Fatal(err)
	}
	pub, err := priv.PublicKey()
	if err != nil {
		b.Fatal(err)
	}
	msg := []byte("a commit's unsigned bytes stand-in, about the size of one")
	sig, err := priv.HashAndSign(msg)
	if err != nil {
		b.Fatal(err)
	}
	const n = 2000
	began := time.Now()
	for range n {
		if err := pub.HashAndVerify(msg, sig); err != nil {
			b.Fatal(err)
		}
	}
	return n / time.Since(began).Seconds()
}

// BenchmarkIngestReplay replays a recorded firehose of the local network
// (≥10,000 frames, ~1% touching statuses) through the consumer's whole
// path — decode, filter, verify (signature and MST proofs) what touches
// statuses, validate, store in SQLite with the cursor — one frame per op.
// It reports frames/s next to the machine's raw K-256 verification rate.
func BenchmarkIngestReplay(b *testing.B) {
	rec := replayRecording(b)
	if len(rec.Frames) < 10_000 {
		b.Fatalf("recording has %d frames, want at least 10,000", len(rec.Frames))
	}
	ours := 0
	for _, fb := range rec.Frames {
		if f, err := decodeFrame(fb); err == nil && f.commit != nil {
			for _, op := range f.commit.Ops {
				if _, ok := isOurs(op.Path); ok {
					ours++
					break
				}
			}
		}
	}
	k256 := k256VerifyRate(b)

	ctx := context.Background()
	cat, dir := catalog(b), rec.directory()
	var (
		ing    *Ingester
		counts Counts // of the ingesters before ing
	)
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		i := n % len(rec.Frames)
		if i == 0 {
			// Replay from the start, on an empty database: the stored
			// repository revisions would make a second pass skip the writes.
			b.StopTimer()
			if ing != nil {
				counts = addCounts(counts, ing.Health().Counts)
			}
			st, _ := openStore(b)
			var err error
			ing, err = New(Config{RelayURL: "ws://replay.invalid", DisableLease: true, SummaryInterval: -1},
				Deps{Store: st, Directory: dir, Validator: cat, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			if err := ing.loadCursor(ctx); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		if err := ing.handleFrame(ctx, rec.Frames[i]); err != nil {
			b.Fatal(err)
		}
	}
	if err := ing.flush(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	fps := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(fps, "frames/s")
	b.ReportMetric(k256, "k256-verifies/s")
	b.ReportMetric(fps/k256, "frames-per-verify")
	c := addCounts(counts, ing.Health().Counts)
	b.Logf("%d frames (%d with status ops), N=%d: applied %d, invalid %d, verification failed %d, malformed %d; %.0f frames/s, raw K-256 %.0f verifies/s",
		len(rec.Frames), ours, b.N, c.Applied, c.SkippedInvalid, c.VerificationFailed, c.Malformed, fps, k256)
}

// addCounts adds two ingesters' counters.
func addCounts(a, b Counts) Counts {
	return Counts{
		Events: a.Events + b.Events, Applied: a.Applied + b.Applied, SkippedInvalid: a.SkippedInvalid + b.SkippedInvalid,
		SkippedStale: a.SkippedStale + b.SkippedStale, VerificationFailed: a.VerificationFailed + b.VerificationFailed,
		Malformed: a.Malformed + b.Malformed, Reconnects: a.Reconnects + b.Reconnects, Resyncs: a.Resyncs + b.Resyncs,
	}
}
