package devnet

import (
	"strings"
	"testing"
)

// TestStartNamesWhatIsMissing: without the installed network, Start fails
// at once with one message naming the missing file and the command that
// installs it, and names Node.js and npm when they are not on PATH either.
func TestStartNamesWhatIsMissing(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		want       []string
	}{
		{"not installed", "/usr/bin:/bin", []string{"not installed", "is missing", "make deps"}},
		{"no npm either", t.TempDir(), []string{"not installed", "Node.js and npm", "apt-get install nodejs npm", "make deps"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(installEnv, t.TempDir())
			t.Setenv("PATH", tc.path)
			n, err := Start(t.Context(), Config{Accounts: []string{"alice"}})
			if err == nil {
				n.Close()
				t.Fatal("Start succeeded without an installation")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Count(err.Error(), "\n") > 0 {
				t.Errorf("error %q is more than one line", err)
			}
		})
	}
}
