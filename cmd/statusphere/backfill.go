package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/statusphere/statusphere/internal/app"
	"github.com/statusphere/statusphere/internal/backfill"
)

// runBackfill runs `statusphere backfill`: it fetches the existing statuses
// of every repository that holds some (resuming an interrupted run), with
// the usual -database-url, -plc-url, -backfill-url… settings, and fails
// when some repository could not be fetched. On a terminal, a progress bar
// is redrawn below the log.
func runBackfill(ctx context.Context, args []string, _, stderr io.Writer) error {
	fset := newFlagSet("backfill", stderr, "backfill [flags]")
	parse := appFlags(fset, "database-url", "plc-url", "relay-url", "backfill-url", "backfill-workers", "log-format", "log-level")
	cfg, err := parseApp(fset, parse, args)
	if err != nil {
		return err
	}
	log := cfg.LoggerTo(stderr)
	var bar *progressBar
	if isTerminal(stderr) {
		bar = newProgressBar(stderr)
		log = cfg.LoggerTo(bar) // log lines go above the bar
	}
	p, err := app.Backfill(ctx, cfg, log, func(b *backfill.Backfiller) {
		if bar != nil {
			bar.watch(b.Progress, 250*time.Millisecond)
		}
	})
	if bar != nil {
		bar.stop()
	}
	if err != nil {
		return err // the backfill and app errors name what failed; no second "backfill:"
	}
	if p.Failed > 0 {
		return fmt.Errorf("backfill: %d of %d repositories could not be fetched (see the log); run it again to retry them", p.Failed, p.Total)
	}
	return nil
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progressBar keeps a one-line progress bar at the bottom of a terminal.
// Written to (it is the logger's writer), it clears the bar, writes the
// log line and draws the bar again below it.
type progressBar struct {
	mu      sync.Mutex
	w       io.Writer
	line    string // the bar as last drawn
	started bool   // watch was called
	stopc   chan struct{}
	done    chan struct{}
}

func newProgressBar(w io.Writer) *progressBar {
	return &progressBar{w: w, stopc: make(chan struct{}), done: make(chan struct{})}
}

// clearLine returns the cursor to the start of the line and erases it.
const clearLine = "\r\033[K"

// Write writes p above the bar.
func (b *progressBar) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.line != "" {
		io.WriteString(b.w, clearLine) //nolint:errcheck // best effort on a terminal
	}
	n, err := b.w.Write(p)
	if b.line != "" {
		io.WriteString(b.w, b.line) //nolint:errcheck // best effort on a terminal
	}
	return n, err
}

// draw replaces the bar with line.
func (b *progressBar) draw(line string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.line = line
	io.WriteString(b.w, clearLine+line) //nolint:errcheck // best effort on a terminal
}

// watch redraws the bar from progress every interval until stop.
func (b *progressBar) watch(progress func() backfill.Progress, every time.Duration) {
	b.mu.Lock()
	b.started = true
	b.mu.Unlock()
	go func() {
		defer close(b.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			b.draw(renderProgress(progress()))
			select {
			case <-b.stopc:
				b.draw(renderProgress(progress()))
				b.mu.Lock()
				io.WriteString(b.w, "\n") //nolint:errcheck // best effort on a terminal
				b.line = ""
				b.mu.Unlock()
				return
			case <-t.C:
			}
		}
	}()
}

// stop draws the bar a last time and leaves it on its own line; call it
// once.
func (b *progressBar) stop() {
	b.mu.Lock()
	started := b.started
	b.mu.Unlock()
	if !started {
		return
	}
	close(b.stopc)
	<-b.done
}

// barWidth is the number of cells of the bar itself.
const barWidth = 24

// renderProgress is the bar's line: repositories done of the total,
// statuses stored, rate and ETA.
func renderProgress(p backfill.Progress) string {
	if p.Total == 0 && p.Discovering {
		return "backfill: discovering repositories…"
	}
	frac := 1.0
	if p.Total > 0 {
		frac = float64(p.Finished()) / float64(p.Total)
	}
	filled := int(frac * barWidth)
	bar := strings.Repeat("█", filled) + strings.Repeat("░", barWidth-filled)
	total := fmt.Sprint(p.Total)
	if p.Discovering {
		total += "+"
	}
	eta := "ETA ?"
	switch {
	case p.Pending() == 0:
		eta = "done"
	case p.ETA > 0 && !p.Discovering:
		eta = "ETA " + p.ETA.Round(time.Second).String()
	}
	line := fmt.Sprintf("backfill %s %3.0f%% %d/%s repos · %d statuses · %.1f repos/s · %s",
		bar, frac*100, p.Finished(), total, p.Records, p.Rate, eta)
	if p.Failed > 0 {
		line += fmt.Sprintf(" · %d failed", p.Failed)
	}
	return line
}
