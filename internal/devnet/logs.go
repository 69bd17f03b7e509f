package devnet

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
)

// LogTail returns at most max trailing bytes of the servers' output.
func (n *Network) LogTail(max int) string { return n.logs.tail(max) }

// PeakRSS is the servers' high-water resident set, as "123 MB".
func (n *Network) PeakRSS() string { return peakRSS(n.cmd.Process.Pid) }

// peakRSS reads the process's high-water resident set from /proc.
func peakRSS(pid int) string {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				return strings.TrimSpace(v)
			}
			return fmt.Sprintf("%d MB", kb/1024)
		}
	}
	return "unknown"
}

// logBuffer collects the servers' output for printing on failure, and
// copies it to tee when set.
type logBuffer struct {
	mu  sync.Mutex
	buf []byte
	tee io.Writer
}

// maxLog bounds the kept output; older output is dropped.
const maxLog = 1 << 20

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > maxLog {
		b.buf = append(b.buf[:0], b.buf[len(b.buf)-maxLog/2:]...)
	}
	if b.tee != nil {
		b.tee.Write(p) //nolint:errcheck // the servers' output is best effort
	}
	return len(p), nil
}

// tail returns at most max trailing bytes of the log.
func (b *logBuffer) tail(max int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.buf) <= max {
		return string(b.buf)
	}
	return "…" + string(b.buf[len(b.buf)-max:])
}
