package devnet

import (
	"context"
	"crypto/tls"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/pds"
)

// startScript starts the servers; it is written next to the network's state
// and run by the installed Node.
//
//go:embed atnet/start.mjs
var startScript []byte

// Config says what [Start] sets up.
type Config struct {
	// Dir keeps the network's state (the PDS's databases and blobs, the PLC
	// operations) between runs: accounts survive a restart. Empty: a
	// throw-away directory that [Network.Close] removes.
	Dir string
	// Accounts names the accounts to have: each is <name>.test with the
	// password <name>-password, created if it does not exist yet.
	Accounts []string
	// Logs also receives the servers' output (nil: it is only kept for
	// [Network.LogTail]).
	Logs io.Writer
	// LexiconAuthority, when set, names an account (<name>.test) from whose
	// repo the PDS resolves every lexicon (permission sets of include:
	// scopes among them) instead of DNS: the PDS's lexicon-authority setting
	// (config lexicon.didAuthority, PDS_LEXICON_AUTHORITY_DID in
	// @atproto/pds 0.5.35). The DID exists only once the PDS runs, so
	// start.mjs creates the account and sets the running PDS's setting.
	// Publish schemas into it before the first login that needs them: the
	// PDS caches what it resolved.
	LexiconAuthority string
}

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
	// to the PDS on loopback) and anything else, private addresses
	// included. Hand it to the app wherever production would use its
	// SSRF-safe client.
	HTTPClient *http.Client
	// ProxyAddr is the TLS proxy's host:port that serves https://pds.test to
	// browsers (see [Network.ChromiumFlags]).
	ProxyAddr string
	// StartupTime is how long the PDS and PLC took to become ready, with
	// the accounts.
	StartupTime time.Duration

	pds      *pds.Client
	accounts map[string]*Account
	order    []string
	cmd      *exec.Cmd
	stdin    io.Closer
	exited   chan struct{}
	logs     *logBuffer
	proxy    *tlsProxy
	cert     tls.Certificate // the TLS proxy's, trusted by the PDS (published apps)
	tmpDir   string          // removed by Close; empty when Config.Dir was given
}

// info is what start.mjs writes once the servers listen.
type info struct {
	PDSURL      string `json:"pdsUrl"`
	PDSHostname string `json:"pdsHostname"`
	PLCURL      string `json:"plcUrl"`
	StartMillis int64  `json:"startMillis"`
	// LexiconAuthorityDID is the account created for Config.LexiconAuthority.
	LexiconAuthorityDID syntax.DID `json:"lexiconAuthorityDid"`
}

// Start starts the network and has the accounts, or fails with what is
// missing (Node, the installation) and the command that installs it.
// Call [Network.Close] to stop everything it started.
func Start(ctx context.Context, cfg Config) (*Network, error) {
	in, err := findInstallation()
	if err != nil {
		return nil, err
	}
	begin := time.Now()
	n := &Network{logs: &logBuffer{tee: cfg.Logs}, accounts: map[string]*Account{}, exited: make(chan struct{})}
	dir := cfg.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "statusphere-devnet-"); err != nil {
			return nil, fmt.Errorf("devnet: %w", err)
		}
		n.tmpDir = dir
	} else if dir, err = filepath.Abs(dir); err != nil {
		return nil, fmt.Errorf("devnet: data directory: %w", err)
	}
	inf, err := n.startServers(ctx, in, dir, cfg.LexiconAuthority)
	if err == nil {
		err = n.wire(inf)
	}
	if err == nil {
		err = n.ready(ctx, cfg.Accounts)
	}
	if err == nil && cfg.LexiconAuthority != "" {
		err = n.addLexiconAuthority(ctx, cfg.LexiconAuthority, inf.LexiconAuthorityDID)
	}
	if err != nil {
		n.Close()
		return nil, fmt.Errorf("devnet: %w\nserver logs:\n%s", err, n.LogTail(16<<10))
	}
	n.StartupTime = time.Since(begin)
	return n, nil
}

// startServers runs start.mjs with the network's state in dir and waits
// for the servers' addresses.
func (n *Network) startServers(ctx context.Context, in installation, dir, authority string) (info, error) {
	run := filepath.Join(dir, "run")
	if err := os.MkdirAll(run, 0o700); err != nil {
		return info{}, err
	}
	script := filepath.Join(run, "start.mjs")
	if err := os.WriteFile(script, startScript, 0o600); err != nil {
		return info{}, err
	}
	infoPath := filepath.Join(run, "atnet.json")
	os.Remove(infoPath) //nolint:errcheck // a previous run's
	cmd := exec.Command(in.node, script, infoPath)
	cmd.Dir = in.dir
	cmd.Env = append(os.Environ(), "ATNET_DIR="+in.dir, "NODE_ENV=development", "LOG_ENABLED=false", "TMPDIR="+run)
	if dir != n.tmpDir {
		cmd.Env = append(cmd.Env, "ATNET_DATA="+dir)
	}
	cmd.Env = append(cmd.Env, lexiconAuthorityEnv(authority)...)
	cert, certEnv, err := proxyCertificate(run)
	if err != nil {
		return info{}, err
	}
	n.cert = cert
	cmd.Env = append(cmd.Env, certEnv...)
	cmd.Stdout, cmd.Stderr = n.logs, n.logs
	// Its own process group, killed when this process dies (Pdeathsig), and
	// stdin a pipe whose end tells start.mjs to stop if we vanish.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return info{}, fmt.Errorf("stdin pipe: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return info{}, fmt.Errorf("start node: %w", err)
	}
	n.cmd, n.stdin = cmd, stdin
	go func() { cmd.Wait(); close(n.exited) }() //nolint:errcheck // the exit status is in the logs
	inf, err := waitForInfo(ctx, infoPath, n.exited, 2*time.Minute)
	if err != nil {
		return info{}, fmt.Errorf("the PDS network did not start: %w", err)
	}
	return inf, nil
}

// wire sets up what reaches the running servers: the HTTP client that
// routes https://*.test to the PDS, the XRPC client, the TLS proxy.
func (n *Network) wire(inf info) error {
	n.PDSURL, n.PLCURL, n.PDSHost = inf.PDSURL, inf.PLCURL, inf.PDSHostname
	pdsURL, err := url.Parse(n.PDSURL)
	if err != nil {
		return fmt.Errorf("PDS URL %q: %w", n.PDSURL, err)
	}
	n.HTTPClient = &http.Client{
		Timeout:   30 * time.Second,
		Transport: &loopbackTransport{pds: pdsURL, next: http.DefaultTransport.(*http.Transport).Clone()},
	}
	n.pds = pds.New(n.HTTPClient, "statusphere-devnet")
	proxy, err := startTLSProxy(pdsURL, n.cert)
	if err != nil {
		return err
	}
	n.proxy, n.ProxyAddr = proxy, proxy.addr
	return nil
}

// ready waits for the servers to answer and has the accounts.
func (n *Network) ready(ctx context.Context, names []string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := n.waitHealthy(ctx); err != nil {
		return err
	}
	for _, name := range names {
		acct, err := n.ensureAccount(ctx, name)
		if err != nil {
			return err
		}
		n.accounts[name] = acct
		n.order = append(n.order, name)
	}
	return nil
}

// Close stops the servers and the proxy, and removes a throw-away
// directory. It returns once the server processes are gone.
func (n *Network) Close() {
	if n.proxy != nil {
		n.proxy.close()
	}
	if n.cmd != nil {
		n.stdin.Close()
		stopGroup(n.cmd.Process.Pid, n.exited)
	}
	if n.tmpDir != "" {
		os.RemoveAll(n.tmpDir) //nolint:errcheck // a temporary directory
	}
}

// PID is the process ID of the servers' process, which leads their
// process group.
func (n *Network) PID() int { return n.cmd.Process.Pid }

// Account returns the account named name ("alice"); it panics on an
// unknown name, which is a bug in the caller.
func (n *Network) Account(name string) *Account {
	a, ok := n.accounts[name]
	if !ok {
		panic(fmt.Sprintf("devnet: no account %q", name))
	}
	return a
}

// Accounts returns every account, in the order of Config.Accounts.
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
		panic(fmt.Sprintf("devnet: PDS URL %q: %v", n.PDSURL, err)) // wire checked it
	}
	return u.String()
}

// PublicURL is https://pds.test, the PDS as the rest of the network names it.
func (n *Network) PublicURL() string { return "https://" + n.PDSHost }

// ChromiumFlags returns the command-line switches that make a browser reach
// https://pds.test through the TLS proxy, whose certificate is a throw-away
// one the browser cannot check.
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
func waitForInfo(ctx context.Context, path string, exited <-chan struct{}, limit time.Duration) (info, error) {
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
			return info{}, errors.New("node exited before the network was up")
		case <-deadline:
			return info{}, fmt.Errorf("not up after %s", limit)
		case <-ctx.Done():
			return info{}, ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// stopGroup asks the process group to stop, then kills it.
func stopGroup(pid int, exited <-chan struct{}) {
	syscall.Kill(-pid, syscall.SIGTERM) //nolint:errcheck // may be gone already
	select {
	case <-exited:
	case <-time.After(3 * time.Second):
	}
	syscall.Kill(-pid, syscall.SIGKILL) //nolint:errcheck // may be gone already
	<-exited
}
