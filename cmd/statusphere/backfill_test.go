package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/statusphere/statusphere/internal/backfill"
)

func TestRenderProgress(t *testing.T) {
	cases := []struct {
		name string
		p    backfill.Progress
		want []string
	}{
		{"discovering, nothing yet", backfill.Progress{Discovering: true}, []string{"discovering repositories"}},
		{"discovering", backfill.Progress{Discovering: true, Total: 40, Done: 10, Records: 25, Rate: 2.5, ETA: 12 * time.Second},
			[]string{" 25% 10/40+ repos", "25 statuses", "2.5 repos/s", "ETA ?"}},
		{"half", backfill.Progress{Total: 1000, Done: 480, Skipped: 15, Failed: 5, Records: 1234, Rate: 12.25, ETA: 83 * time.Second},
			[]string{"████████████░░░░░░░░░░░░", " 50% 500/1000 repos", "1234 statuses", "12.2 repos/s", "ETA 1m23s", "5 failed"}},
		{"done", backfill.Progress{Total: 3, Done: 3, Records: 9}, []string{"████████████████████████", "100% 3/3 repos", "done"}},
		{"empty run", backfill.Progress{}, []string{"100% 0/0 repos", "done"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := renderProgress(tc.p)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("renderProgress = %q, want it to contain %q", got, w)
				}
			}
			if strings.Contains(got, "\n") {
				t.Errorf("renderProgress = %q: more than one line", got)
			}
		})
	}
}

// TestProgressBarKeepsLogsAbove: a log line written while the bar shows
// clears the bar, is written whole, and the bar is drawn again below it;
// stop leaves the final bar on its own line.
func TestProgressBarKeepsLogsAbove(t *testing.T) {
	var out bytes.Buffer
	b := newProgressBar(&out)
	b.Write([]byte("before the bar\n"))
	b.draw("BAR 1")
	b.Write([]byte("a log line\n"))
	want := "before the bar\n" + clearLine + "BAR 1" + clearLine + "a log line\nBAR 1"
	if out.String() != want {
		t.Fatalf("output %q, want %q", out.String(), want)
	}
	out.Reset()
	b.watch(func() backfill.Progress { return backfill.Progress{Total: 2, Done: 2} }, time.Hour)
	b.stop()
	if s := out.String(); !strings.HasSuffix(s, "done\n") || !strings.HasPrefix(s, clearLine+"backfill ") {
		t.Fatalf("after stop: %q, want the final bar ending in a newline", s)
	}
	out.Reset()
	b.Write([]byte("after\n"))
	if out.String() != "after\n" {
		t.Errorf("a log line after stop: %q, want it alone", out.String())
	}
}

func TestIsTerminal(t *testing.T) {
	if isTerminal(&bytes.Buffer{}) {
		t.Error("a buffer is a terminal")
	}
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Error("a regular file is a terminal")
	}
}
