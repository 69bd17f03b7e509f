package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/chromedp/chromedp"

	"github.com/statusphere/statusphere/internal/pds"
	"github.com/statusphere/statusphere/internal/testnet"
)

// TestDevCommand runs the built binary's `statusphere dev` as a subprocess:
// headless Chromium, started with the switches the command prints, logs in
// as alice.test through the real PDS's pages, posts 🦋 and sees a status
// bob writes to the PDS arrive. SIGINT ends every process the command
// started within 5 s. Started again on the same -data directory, the
// accounts (same DIDs) and alice's status are still there.
func TestDevCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real PDS network and Chromium; run without -short")
	}
	bin := buildBinary(t)
	data := filepath.Join(t.TempDir(), "dev")
	dev := startDev(t, bin, data)
	if first := dev.stderrLine(0); !strings.Contains(first, "dev mode") || !strings.Contains(first, "private and loopback addresses") {
		t.Errorf("first log line %q, want it to say private addresses are allowed in dev mode", first)
	}

	b := testnet.StartBrowser(t, dev.chromiumFlags())
	loginInBrowser(t, b, dev.appURL, "alice.test", "alice-password")
	step(t, b, "click 🦋", 20*time.Second,
		chromedp.Click(`button.status-option[value="🦋"]`),
		chromedp.WaitVisible(`//div[@id="timeline"]//div[contains(@class,"status-line")][.//a[contains(., "@alice.test")] and contains(., "🦋")]`),
		chromedp.WaitVisible(`button.status-option.selected[value="🦋"][aria-pressed="true"]`))

	// bob writes a status with another app, straight to the PDS; it
	// arrives on alice's open page through the firehose.
	ctx := t.Context()
	api, err := pds.New(http.DefaultClient, "statusphere-test").CreateSession(ctx, dev.pdsLoopback, "bob.test", "bob-password")
	if err != nil {
		t.Fatalf("bob's session on the PDS: %v", err)
	}
	rec := map[string]any{"$type": statusNSID, "status": "🧠", "createdAt": syntax.DatetimeNow().String()}
	if _, err := pds.CreateRecordWith(ctx, api, *api.AccountDID, statusNSID, "", rec, pds.WriteOptions{}); err != nil {
		t.Fatalf("bob's status: %v", err)
	}
	step(t, b, "bob's status arrives", 15*time.Second,
		chromedp.WaitVisible(`//div[@id="timeline"]//div[contains(@class,"status-line")][.//a[contains(., "@bob.test")] and contains(., "🧠")]`))
	var timeline string
	step(t, b, "read the timeline", 5*time.Second, chromedp.Text(`#timeline`, &timeline))
	if !strings.Contains(timeline, "@carol.test") || !strings.Contains(timeline, "🥳") {
		t.Errorf("timeline %q lacks carol's seeded 🥳", timeline)
	}

	dev.interrupt(t, 5*time.Second)

	// The same -data directory: the same accounts, alice's status kept.
	again := startDev(t, bin, data)
	if again.dids != dev.dids {
		t.Errorf("accounts after a restart:\n%s\nwant the same as before:\n%s", again.dids, dev.dids)
	}
	resp, err := http.Get(again.appURL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "@alice.test") || !strings.Contains(string(page), "🦋") {
		t.Errorf("after a restart the home page lacks alice's 🦋:\n%.2000s", page)
	}
	if !strings.Contains(string(page), `name="pds" value="https://pds.test"`) {
		t.Errorf("\"Create an account\" does not offer the local PDS:\n%.2000s", page)
	}
	again.interrupt(t, 5*time.Second)
}

// devProc is a running `statusphere dev`.
type devProc struct {
	cmd         *exec.Cmd
	done        chan struct{}
	appURL      string
	pdsLoopback string // the PDS's plain-HTTP address
	proxy       string // the TLS proxy serving https://pds.test
	dids        string // the printed accounts' lines

	mu     sync.Mutex
	stdout strings.Builder
	stderr []string
}

var (
	devURLRE   = regexp.MustCompile(`statusphere dev: open (http://127\.0\.0\.1:\d+)`)
	devPDSRE   = regexp.MustCompile(`on loopback at (http://127\.0\.0\.1:\d+)\)`)
	devProxyRE = regexp.MustCompile(`MAP pds\.test:443 (127\.0\.0\.1:\d+)`)
	devAcctRE  = regexp.MustCompile(`(?m)^  \S+\.test +\S+ +did:\S+$`)
)

// startDev starts `statusphere dev -data data` and waits for its guide.
func startDev(t *testing.T, bin, data string) *devProc {
	t.Helper()
	p := &devProc{cmd: exec.Command(bin, "dev", "-addr", "127.0.0.1:0", "-data", data), done: make(chan struct{})}
	p.cmd.Dir = "." // inside the checkout: the command finds .cache/atnet
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start statusphere dev: %v", err)
	}
	ready := make(chan struct{})
	go p.read(stdout, func(out string) bool {
		if strings.Contains(out, "Ctrl-C stops") {
			close(ready)
			return true
		}
		return false
	})
	go p.readErr(stderr)
	go func() { p.cmd.Wait(); close(p.done) }() //nolint:errcheck // checked by interrupt
	t.Cleanup(func() {
		syscall.Kill(p.cmd.Process.Pid, syscall.SIGKILL) //nolint:errcheck // may be gone
		<-p.done
		if t.Failed() {
			t.Logf("statusphere dev output:\n%s\n%s", p.out(), strings.Join(p.errLines(), "\n"))
		}
	})
	select {
	case <-ready:
	case <-p.done:
		t.Fatalf("statusphere dev exited at start:\n%s", strings.Join(p.errLines(), "\n"))
	case <-time.After(3 * time.Minute):
		t.Fatalf("statusphere dev did not start:\n%s", strings.Join(p.errLines(), "\n"))
	}
	out := p.out()
	for _, m := range []struct {
		re  *regexp.Regexp
		dst *string
	}{{devURLRE, &p.appURL}, {devPDSRE, &p.pdsLoopback}, {devProxyRE, &p.proxy}} {
		sub := m.re.FindStringSubmatch(out)
		if sub == nil {
			t.Fatalf("the guide lacks %s:\n%s", m.re, out)
		}
		*m.dst = sub[1]
	}
	p.dids = strings.Join(devAcctRE.FindAllString(out, -1), "\n")
	if strings.Count(p.dids, "\n") != len(devAccounts)-1 {
		t.Fatalf("the guide lists accounts %q, want %d", p.dids, len(devAccounts))
	}
	return p
}

// read collects stdout, calling seen with all of it after each line until
// seen returns true.
func (p *devProc) read(r io.Reader, seen func(string) bool) {
	sc := bufio.NewScanner(r)
	done := false
	for sc.Scan() {
		p.mu.Lock()
		p.stdout.WriteString(sc.Text() + "\n")
		out := p.stdout.String()
		p.mu.Unlock()
		if !done {
			done = seen(out)
		}
	}
}

func (p *devProc) readErr(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		p.mu.Lock()
		p.stderr = append(p.stderr, sc.Text())
		p.mu.Unlock()
	}
}

func (p *devProc) out() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stdout.String()
}

func (p *devProc) errLines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.stderr...)
}

func (p *devProc) stderrLine(i int) string {
	if lines := p.errLines(); i < len(lines) {
		return lines[i]
	}
	return ""
}

// chromiumFlags are the switches the guide prints.
func (p *devProc) chromiumFlags() map[string]any {
	return map[string]any{"host-resolver-rules": "MAP pds.test:443 " + p.proxy, "ignore-certificate-errors": true}
}

// interrupt sends SIGINT, as Ctrl-C does, and checks that the command and
// every process it started (collected by parent PID before) are gone
// within limit, and that it exited with status 0.
func (p *devProc) interrupt(t *testing.T, limit time.Duration) {
	t.Helper()
	pids := descendants(p.cmd.Process.Pid)
	if len(pids) == 0 {
		t.Fatal("statusphere dev has no child processes: where is the PDS?")
	}
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(limit)
	select {
	case <-p.done:
	case <-deadline:
		t.Fatalf("statusphere dev still running %s after SIGINT", limit)
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("statusphere dev exited with %d after SIGINT, want 0", code)
	}
	for {
		var alive []int
		for _, pid := range pids {
			if running(pid) {
				alive = append(alive, pid)
			}
		}
		if len(alive) == 0 {
			return
		}
		select {
		case <-deadline:
			t.Fatalf("processes %v started by statusphere dev still run %s after SIGINT", alive, limit)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// descendants lists the processes below pid (children, their children …).
func descendants(pid int) []int {
	parents := map[int]int{} // pid → parent
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, ok := parentOf(child); ok {
			parents[child] = ppid
		}
	}
	var out []int
	below := map[int]bool{pid: true}
	for changed := true; changed; {
		changed = false
		for child, ppid := range parents {
			if below[ppid] && !below[child] {
				below[child], changed = true, true
				out = append(out, child)
			}
		}
	}
	return out
}

// parentOf reads a process's parent PID from /proc/<pid>/stat.
func parentOf(pid int) (int, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// pid (comm) state ppid …; comm may hold spaces and parentheses.
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(fields) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(fields[1])
	return ppid, err == nil
}

// running reports whether pid is a live process (not gone, not a zombie).
func running(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if errors.Is(err, os.ErrNotExist) || err != nil {
		return false
	}
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

// loginInBrowser logs handle in through the app's form and the PDS's real
// sign-in and consent pages, and waits for the greeting.
func loginInBrowser(t *testing.T, b context.Context, appURL, handle, password string) {
	t.Helper()
	step(t, b, "home, logged out", 20*time.Second,
		chromedp.Navigate(appURL+"/"),
		chromedp.WaitVisible(`input[name="handle"]`),
		chromedp.SendKeys(`input[name="handle"]`, handle),
		chromedp.Click(`.login-form button[type="submit"]`))
	step(t, b, "PDS sign-in page", 30*time.Second,
		chromedp.WaitVisible(`input[type="password"]`),
		chromedp.SendKeys(`input[type="password"]`, password),
		chromedp.Click(`button[type="submit"]`))
	step(t, b, "PDS consent page", 30*time.Second,
		chromedp.WaitVisible(`//button[@type="submit" and contains(., "Authorize")]`),
		chromedp.Click(`//button[@type="submit" and contains(., "Authorize")]`))
	step(t, b, "back home, logged in", 30*time.Second, chromedp.WaitVisible(`#greeting`))
}

// step runs a step's actions in the browser within limit, failing the test
// with the page's address and body when they do not complete.
func step(t *testing.T, b context.Context, name string, limit time.Duration, actions ...chromedp.Action) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b, limit)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		var loc, html string
		chromedp.Run(b, chromedp.Location(&loc), chromedp.OuterHTML("body", &html)) //nolint:errcheck // diagnostics only
		t.Fatalf("step %q: %v\nat %s\n%.3000s", name, err, loc, html)
	}
}
