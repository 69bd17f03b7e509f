package testnet

import (
	"context"
	"testing"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/devnet"
)

// Network is a running PLC directory + PDS on loopback, with accounts.
type Network struct{ *devnet.Network }

// Account is a user on the test PDS.
type Account = devnet.Account

// RecordRef names a record written to the PDS.
type RecordRef = devnet.RecordRef

// Record is a record as com.atproto.repo.getRecord returns it.
type Record = devnet.Record

// Domain is the DNS suffix of every host on the test network: the PDS is
// pds.test and accounts are <name>.test.
const Domain = devnet.Domain

// RecordCIDs returns every record of collection in the accounts' repos
// (up to 100 each), URI → CID, as their PDS serves them now.
func RecordCIDs(ctx context.Context, collection string, accts ...*Account) (map[syntax.ATURI]string, error) {
	return devnet.RecordCIDs(ctx, collection, accts...)
}

// Option changes what [Start] sets up.
type Option func(*options)

type options struct {
	accounts         []string
	lexiconAuthority string
}

// WithAccounts names the accounts to create (default alice, bob, carol); each
// gets the handle <name>.test.
func WithAccounts(names ...string) Option {
	return func(o *options) { o.accounts = names }
}

// Start starts the network and creates the accounts, and stops everything
// when the test ends. It skips the test under -short (the one place tests
// that need the network are skipped), and fails it with one line naming
// what to install when the network is not installed.
func Start(t testing.TB, opts ...Option) *Network {
	t.Helper()
	if testing.Short() {
		t.Skip("starts the local PDS network; run without -short")
	}
	o := options{accounts: []string{"alice", "bob", "carol"}}
	for _, opt := range opts {
		opt(&o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	n, err := devnet.Start(ctx, devnet.Config{Dir: t.TempDir(), Accounts: o.accounts, LexiconAuthority: o.lexiconAuthority})
	if err != nil {
		t.Fatalf("testnet: %v", err)
	}
	t.Cleanup(func() {
		peak := n.PeakRSS()
		failed := t.Failed()
		n.Close()
		t.Logf("testnet: PDS+PLC peak RSS %s", peak)
		if failed {
			t.Logf("testnet: server logs:\n%s", n.LogTail(64<<10))
		}
	})
	t.Logf("testnet: PDS %s (https://%s), PLC %s, %d accounts, ready in %s",
		n.PDSURL, n.PDSHost, n.PLCURL, len(n.Accounts()), n.StartupTime.Round(time.Millisecond))
	return &Network{n}
}

// AppDomain is the suffix of the names [devnet.Network.PublishApp] serves
// apps at (see devnet.AppDomain).
const AppDomain = devnet.AppDomain
