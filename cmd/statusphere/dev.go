package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/app"
	"github.com/statusphere/statusphere/internal/config"
	"github.com/statusphere/statusphere/internal/devnet"
)

// devAccounts are the demo accounts of `statusphere dev`; the first is the
// one to log in as, the others have written statuses.
var devAccounts = []string{"alice", "bob", "carol"}

// devStatuses are what the other demo accounts have posted.
var devStatuses = map[string]string{"bob": "🚀", "carol": "🥳"}

// runDev runs `statusphere dev`: the official PDS and PLC on loopback with
// demo accounts, and the app wired to them, until Ctrl-C stops it all.
func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := newFlagSet("dev", stderr, "dev [flags]  (the app on a local PDS + PLC with demo accounts; needs `make deps`)")
	data := fset.String("data", "", "keep the local network and the app's database in `DIR` between runs (accounts survive a restart); empty: a throw-away directory")
	parse := appFlags(fset, "addr", "session-max-age", "log-format", "log-level")
	cfg, err := parseApp(fset, parse, args)
	if err != nil {
		return err
	}
	log := cfg.LoggerTo(stderr)
	log.Warn("dev mode: the app reaches private and loopback addresses (a local PDS and PLC); only `statusphere dev` allows this")
	dir := *data
	if dir == "" {
		if dir, err = os.MkdirTemp("", "statusphere-dev-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	log.Info("starting the local PDS and PLC", "data", dir)
	n, err := devnet.Start(ctx, devnet.Config{Dir: filepath.Join(dir, "atnet"), Accounts: devAccounts})
	if err != nil {
		return err
	}
	defer n.Close()
	if err := seedStatuses(ctx, n); err != nil {
		return err
	}
	a, err := app.New(ctx, devConfig(cfg, n, dir), log, app.WithHTTPClient(n.HTTPClient), app.WithLocalHandleSuffixes(devnet.Domain))
	if err != nil {
		return err
	}
	printDevGuide(stdout, a.URL(), n)
	return a.Run(ctx)
}

// devConfig is cfg wired to the local network, with the database in dir.
func devConfig(cfg config.Config, n *devnet.Network, dir string) config.Config {
	cfg.DatabaseURL = filepath.Join(dir, "statusphere.db")
	cfg.PublicURL, cfg.OAuthKey = "", "" // the loopback development client
	cfg.PLCURL = n.PLCURL
	cfg.Source = "relay"
	cfg.RelayURL = n.FirehoseURL()
	cfg.BackfillURL = n.PDSURL // the PDS lists its repositories
	cfg.Ingest, cfg.BackfillOnStart = true, true
	cfg.SignupPDS = n.PublicURL()
	return cfg
}

// seedStatuses has each demo account of devStatuses post its status, unless
// it has posted before (a network kept with -data).
func seedStatuses(ctx context.Context, n *devnet.Network) error {
	for _, name := range devAccounts {
		emoji, ok := devStatuses[name]
		if !ok {
			continue
		}
		acct := n.Account(name)
		recs, err := acct.ListRecords(ctx, statusCollection)
		if err != nil {
			return fmt.Errorf("list %s's statuses: %w", acct.Handle, err)
		}
		if len(recs) > 0 {
			continue
		}
		rec := map[string]any{"$type": statusCollection, "status": emoji, "createdAt": syntax.DatetimeNow().String()}
		if _, err := acct.CreateRecord(ctx, statusCollection, "", rec, nil); err != nil {
			return fmt.Errorf("post %s's status: %w", acct.Handle, err)
		}
	}
	return nil
}

// statusCollection is the NSID of a status record.
const statusCollection = "xyz.statusphere.status"

// printDevGuide tells the newcomer where to go and how to log in.
func printDevGuide(w io.Writer, appURL string, n *devnet.Network) {
	fmt.Fprintf(w, "\nstatusphere dev: open %s\n\n", appURL)
	fmt.Fprintf(w, "Demo accounts (handle, password, DID):\n")
	for _, a := range n.Accounts() {
		fmt.Fprintf(w, "  %-11s %-15s %s\n", a.Handle, a.Password, a.DID)
	}
	fmt.Fprintf(w, "\nLocal network: PDS %s (on loopback at %s), PLC %s\n", n.PublicURL(), n.PDSURL, n.PLCURL)
	fmt.Fprintf(w, "Logging in goes through the PDS's own sign-in pages at %s, which your browser\n", n.PublicURL())
	fmt.Fprintf(w, "reaches through a local TLS proxy with a throw-away certificate. Start a separate\n")
	fmt.Fprintf(w, "Chromium (or Chrome) profile pointed at it:\n\n")
	fmt.Fprintf(w, "  chromium --user-data-dir=\"$(mktemp -d)\" --host-resolver-rules=\"MAP %s:443 %s\" --ignore-certificate-errors %s\n\n",
		n.PDSHost, n.ProxyAddr, appURL)
	fmt.Fprintf(w, "Ctrl-C stops the app, the PDS and the PLC.\n\n")
}
