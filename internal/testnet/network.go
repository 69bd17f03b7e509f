package testnet

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/identity"

	"github.com/statusphere/statusphere/internal/pds"
)

// Network is a running PLC directory + PDS on loopback, with accounts.
type Network struct {
	// PDSURL is the PDS's own plain-HTTP address on loopback.
	PDSURL string
	// PDSHost is the PDS's public hostname, "pds.test": its DID documents,
	// OAuth issuer and protected-resource metadata all say https://pds.test.
	PDSHost string
	// PLCURL is the PLC directory's address on loopback.
	PLCURL string
	// HTTPClient reaches https://pds.test and https://<handle>.test (routed
	// to the PDS on loopback) and anything on loopback. Hand it to the app
	// wherever production would use its SSRF-safe client.
	HTTPClient *http.Client
	// ProxyAddr is the TLS proxy's host:port that serves https://pds.test to
	// browsers (see [Network.ChromiumFlags]).
	ProxyAddr string
	// StartupTime is how long the PDS and PLC took to become ready.
	StartupTime time.Duration

	pds      *pds.Client
	accounts map[string]*Account
	order    []string
	cmd      *exec.Cmd
	logs     *logBuffer
	proxy    *tlsProxy
}

// Option changes what [Start] sets up.
type Option func(*options)

type options struct{ accounts []string }

// WithAccounts names the accounts to create (default alice, bob, carol); each
// gets the handle <name>.test.
func WithAccounts(names ...string) Option {
	return func(o *options) { o.accounts = names }
}

// info is what start.mjs writes once the servers listen.
type info struct {
	PDSURL      string `json:"pdsUrl"`
	PDSHostname string `json:"pdsHostname"`
	PLCURL      string `json:"plcUrl"`
	StartMillis int64  `json:"startMillis"`
}

// Start starts the network and creates the accounts, and stops everything
// when the test ends. It skips the test under -short (the one place tests
// that need the network are skipped), and fails it with one line naming
// `make test` when the network is not installed.
func Start(t testing.TB, opts ...Option) *Network {
	t.Helper()
	if testing.Short() {
		t.Skip("starts the local PDS network; run without -short")
	}
	o := options{accounts: []string{"alice", "bob", "carol"}}
	for _, opt := range opts {
		opt(&o)
	}
	in, err := findInstallation()
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	dir := t.TempDir()
	infoPath := filepath.Join(dir, "atnet.json")

	n := &Network{logs: &logBuffer{}, accounts: map[string]*Account{}}
	cert, certEnv, err := proxyCertificate(dir)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(in.node, in.script, infoPath)
	cmd.Dir = in.dir
	cmd.Env = append(os.Environ(), "ATNET_DIR="+in.dir, "NODE_ENV=development", "LOG_ENABLED=false", "TMPDIR="+dir)
	cmd.Env = append(cmd.Env, certEnv...)
	cmd.Stdout = n.logs
	cmd.Stderr = n.logs
	// Its own process group, killed when this process dies (Pdeathsig), and
	// stdin a pipe whose end tells start.mjs to stop if we vanish.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("testnet: stdin pipe: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("testnet: start node: %v", err)
	}
	n.cmd = cmd
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }() //nolint:errcheck // exit status is in the logs
	t.Cleanup(func() {
		peak := peakRSS(cmd.Process.Pid)
		stdin.Close()
		stopGroup(cmd.Process.Pid, exited)
		t.Logf("testnet: PDS+PLC peak RSS %s", peak)
		if t.Failed() {
			t.Logf("testnet: server logs:\n%s", n.logs.tail(64<<10))
		}
	})

	inf, err := waitForInfo(infoPath, exited, 60*time.Second)
	if err != nil {
		t.Fatalf("testnet: PDS network did not start: %v\nserver logs:\n%s", err, n.logs.tail(16<<10))
	}
	n.wire(t, inf, cert)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := n.waitHealthy(ctx); err != nil {
		t.Fatalf("testnet: %v\nserver logs:\n%s", err, n.logs.tail(16<<10))
	}
	for _, name := range o.accounts {
		acct, err := n.createAccount(ctx, name)
		if err != nil {
			t.Fatalf("testnet: %v\nserver logs:\n%s", err, n.logs.tail(16<<10))
		}
		n.accounts[name] = acct
		n.order = append(n.order, name)
	}
	n.StartupTime = time.Since(begin)
	t.Logf("testnet: PDS %s (https://%s), PLC %s, %d accounts, ready in %s (servers up in %d ms)",
		n.PDSURL, n.PDSHost, n.PLCURL, len(n.order), n.StartupTime.Round(time.Millisecond), inf.StartMillis)
	return n
}

// wire sets up what reaches the running servers: the HTTP client that
// routes https://*.test to the PDS, the XRPC client, the TLS proxy.
func (n *Network) wire(t testing.TB, inf info, cert tls.Certificate) {
	n.PDSURL, n.PLCURL, n.PDSHost = inf.PDSURL, inf.PLCURL, inf.PDSHostname
	pdsURL, err := url.Parse(n.PDSURL)
	if err != nil {
		t.Fatalf("testnet: PDS URL %q: %v", n.PDSURL, err)
	}
	n.HTTPClient = &http.Client{
		Timeout:   30 * time.Second,
		Transport: &loopbackTransport{pds: pdsURL, next: http.DefaultTransport.(*http.Transport).Clone()},
	}
	n.pds = pds.New(n.HTTPClient, "statusphere-testnet")
	proxy, err := startTLSProxy(pdsURL, cert)
	if err != nil {
		t.Fatal(err)
	}
	n.proxy, n.ProxyAddr = proxy, proxy.addr
	t.Cleanup(proxy.close)
}

// Account returns the account created under name ("alice"); it panics on an
// unknown name, which is a bug in the test.
func (n *Network) Account(name string) *Account {
	a, ok := n.accounts[name]
	if !ok {
		panic(fmt.Sprintf("testnet: no account %q", name))
	}
	return a
}

// Accounts returns every account, in creation order.
func (n *Network) Accounts() []*Account {
	out := make([]*Account, 0, len(n.order))
	for _, name := range n.order {
		out = append(out, n.accounts[name])
	}
	return out
}

// Directory returns an identity directory on this network: DIDs from the
// local PLC, .test handles over HTTPS well-known through [Network.HTTPClient].
func (n *Network) Directory() identity.Directory {
	return &identity.BaseDirectory{
		PLCURL:                n.PLCURL,
		HTTPClient:            *n.HTTPClient,
		SkipDNSDomainSuffixes: []string{Domain},
	}
}

// FirehoseURL is the PDS's com.atproto.sync.subscribeRepos websocket.
func (n *Network) FirehoseURL() string {
	u, err := pds.SubscribeReposURL(n.PDSURL)
	if err != nil {
		panic(fmt.Sprintf("testnet: PDS URL %q: %v", n.PDSURL, err)) // Start checked it
	}
	return u.String()
}

// PublicURL is https://pds.test, the PDS as the rest of the network names it.
func (n *Network) PublicURL() string { return "https://" + n.PDSHost }

// ChromiumFlags returns the command-line switches that make a browser reach
// https://pds.test through the TLS proxy.
func (n *Network) ChromiumFlags() map[string]any {
	return map[string]any{
		"host-resolver-rules":       fmt.Sprintf("MAP %s:443 %s", n.PDSHost, n.ProxyAddr) + n.appResolverRules(),
		"ignore-certificate-errors": true,
	}
}

// waitHealthy polls the PDS and PLC until both answer.
func (n *Network) waitHealthy(ctx context.Context) error {
	plcHealthy := func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, n.PLCURL+"/_health", nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		return nil
	}
	pdsHealthy := func(ctx context.Context) error { return n.pds.Health(ctx, n.PDSURL) }
	for _, check := range []struct {
		what    string
		healthy func(context.Context) error
	}{{"PDS " + n.PDSURL, pdsHealthy}, {"PLC " + n.PLCURL, plcHealthy}} {
		for {
			err := check.healthy(ctx)
			if err == nil {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s not healthy: %w (last error: %v)", check.what, ctx.Err(), err)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}

// waitForInfo waits for start.mjs to write its JSON, or to exit.
func waitForInfo(path string, exited <-chan struct{}, limit time.Duration) (info, error) {
	deadline := time.After(limit)
	for {
		if b, err := os.ReadFile(path); err == nil {
			var inf info
			if err := json.Unmarshal(b, &inf); err != nil {
				return info{}, fmt.Errorf("parse %s: %w", path, err)
			}
			return inf, nil
		}
		select {
		case <-exited:
			return info{}, fmt.Errorf("node exited before the network was up")
		case <-deadline:
			return info{}, fmt.Errorf("not up after %s", limit)
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// stopGroup asks the process group to stop, then kills it.
func stopGroup(pid int, exited <-chan struct{}) {
	syscall.Kill(-pid, syscall.SIGTERM) //nolint:errcheck // may be gone already
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
	}
	syscall.Kill(-pid, syscall.SIGKILL) //nolint:errcheck // may be gone already
	<-exited
}

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

// logBuffer collects the servers' output for printing on failure.
type logBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
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

var _ io.Writer = (*logBuffer)(nil)
