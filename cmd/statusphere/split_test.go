package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/pgtest"
	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/testnet"
)

const statusNSID = "xyz.statusphere.status"

// TestSplitServeIngest runs the built binary as separate ingest and serve
// processes on one Postgres against the real local PDS.
func TestSplitServeIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real PDS network and Postgres; run without -short")
	}
	n := testnet.Start(t, testnet.WithAccounts("alice", "bob"))
	pg := pgtest.Start(t)
	bin := buildBinary(t)
	ctx := t.Context()
	common := []string{"-database-url", pg, "-plc-url", n.PLCURL, "-relay-url", n.FirehoseURL(), "-ingest-lease-ttl", "2s", "-ops-addr", "127.0.0.1:0"}

	ingest1 := startProc(t, bin, "ingest-1", append([]string{"ingest"}, common...)...)
	serve := startProc(t, bin, "serve", append([]string{"serve", "-ingest=false", "-addr", "127.0.0.1:0"}, common...)...)
	waitFor(t, 20*time.Second, "ingest-1 holds the lease", func() bool { return ingest1.logged("holding the ingest lease") })

	// bob's status, written straight to the PDS, appears on serve's home page.
	bob, alice := n.Account("bob"), n.Account("alice")
	first := writeStatus(t, bob, "🦋")
	waitFor(t, 10*time.Second, "bob's status on the serve process's home page", func() bool {
		resp, err := http.Get(serve.url + "/")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), "🦋") && strings.Contains(string(b), bob.DID.String())
	})

	// A second ingester started beside the first stands by and applies nothing.
	ingest2 := startProc(t, bin, "ingest-2", append([]string{"ingest"}, common...)...)
	waitFor(t, 20*time.Second, "ingest-2 standing by", func() bool { return ingest2.logged("standing by") })
	writeStatus(t, alice, "👀")
	st, err := store.Open(ctx, pg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	waitFor(t, 10*time.Second, "alice's status applied by ingest-1", func() bool { n, _ := st.CountStatuses(ctx); return n == 2 })
	if applied := ingest2.metric(t, "statusphere_ingest_applied_total"); applied != 0 {
		t.Fatalf("the standby ingester applied %v events while the first was alive", applied)
	}

	// SIGKILL ingest-1 in the middle of a burst of 50 writes, then start it again.
	var wg sync.WaitGroup
	uris := make([]syntax.ATURI, 50)
	wg.Go(func() {
		for i := range uris {
			who := bob
			if i%2 == 1 {
				who = alice
			}
			uris[i] = writeStatus(t, who, "🚀")
		}
	})
	waitFor(t, 20*time.Second, "the burst under way", func() bool { c, _ := st.CountStatuses(ctx); return c >= 10 })
	ingest1.kill()
	ingest3 := startProc(t, bin, "ingest-1-again", append([]string{"ingest"}, common...)...)
	wg.Wait()

	waitFor(t, 30*time.Second, "all 52 statuses stored", func() bool { c, _ := st.CountStatuses(ctx); return c == 52 })
	for _, uri := range append(uris, first) {
		if _, err := st.Status(ctx, uri); err != nil {
			t.Errorf("status %s: %v", uri, err)
		}
	}
	if c, _ := st.CountStatuses(ctx); c != 52 {
		t.Fatalf("%d statuses stored, want 52 exactly", c)
	}
	t.Logf("after the kill: ingest-2 applied %v, the restarted ingest-1 applied %v",
		ingest2.metric(t, "statusphere_ingest_applied_total"), ingest3.metric(t, "statusphere_ingest_applied_total"))
}

// writeStatus writes a status straight to the PDS, as another app would.
func writeStatus(t *testing.T, a *testnet.Account, emoji string) syntax.ATURI {
	t.Helper()
	rec := map[string]any{"$type": statusNSID, "status": emoji, "createdAt": syntax.DatetimeNow().String()}
	ref, err := a.CreateRecord(context.Background(), statusNSID, "", rec, nil)
	if err != nil {
		t.Errorf("createRecord: %v", err)
	}
	return ref.URI
}

// buildBinary builds cmd/statusphere once for the test.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "statusphere")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// proc is a running statusphere subprocess.
type proc struct {
	name string
	cmd  *exec.Cmd
	url  string // the app's, "" for ingest
	ops  string // the operations endpoints'

	mu   sync.Mutex
	logs strings.Builder
	done chan struct{}
}

var (
	urlRE    = regexp.MustCompile(`\burl=(http://127\.0\.0\.1:\d+)`)
	opsURLRE = regexp.MustCompile(`\bops_url=(http://127\.0\.0\.1:\d+)`)
)

// startProc starts bin with args and waits until it serves HTTP: the
// app's URL and the operations endpoints' from its "serving" log line.
func startProc(t *testing.T, bin, name string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, cmd: exec.Command(bin, args...), done: make(chan struct{})}
	p.cmd.Env = os.Environ()
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	urls := make(chan [2]string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.logs.WriteString(line + "\n")
			p.mu.Unlock()
			if strings.Contains(line, "statusphere serving") {
				var u [2]string
				for i, re := range []*regexp.Regexp{urlRE, opsURLRE} {
					if m := re.FindStringSubmatch(line); m != nil {
						u[i] = m[1]
					}
				}
				select {
				case urls <- u:
				default:
				}
			}
		}
	}()
	go func() { p.cmd.Wait(); close(p.done) }() //nolint:errcheck // killed on purpose
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("%s logs:\n%s", name, p.output())
		}
	})
	select {
	case u := <-urls:
		p.url, p.ops = u[0], u[1]
	case <-p.done:
		t.Fatalf("%s exited at start:\n%s", name, p.output())
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not start serving:\n%s", name, p.output())
	}
	return p
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

func (p *proc) logged(s string) bool { return strings.Contains(p.output(), s) }

// kill sends SIGKILL: no shutdown, no cursor flush, no lease release.
func (p *proc) kill() {
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL) //nolint:errcheck // may be gone
	<-p.done
}

// stop asks the process to shut down, then kills it.
func (p *proc) stop() {
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM) //nolint:errcheck // may be gone
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.kill()
	}
}

// metric reads a counter's sum from the process's /metrics (on its
// operations listener).
func (p *proc) metric(t *testing.T, name string) float64 {
	t.Helper()
	resp, err := http.Get(p.ops + "/metrics")
	if err != nil {
		t.Fatalf("%s /metrics: %v", p.name, err)
	}
	defer resp.Body.Close()
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, name) {
			var v float64
			if _, err := fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v); err == nil {
				sum += v
			}
		}
	}
	return sum
}

func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: not within %s", what, within)
}
