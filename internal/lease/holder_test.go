package lease

import (
	"os"
	"os/exec"
	"testing"
)

func TestParseHolder(t *testing.T) {
	for holder, want := range map[string]struct {
		host string
		pid  int
		ok   bool
	}{
		"web-1-1234-ABCDEFGH":     {"web-1", 1234, true},
		"host-42-xyz":             {"host", 42, true},
		"standby":                 {"", 0, false},
		"host-notapid-ABCDEFGH":   {"", 0, false},
		"-12-ABCDEFGH":            {"", 0, false},
		"host.example-0-ABCDEFGH": {"", 0, false},
	} {
		host, pid, ok := parseHolder(holder)
		if host != want.host || pid != want.pid || ok != want.ok {
			t.Errorf("parseHolder(%q) = %q, %d, %v; want %+v", holder, host, pid, ok, want)
		}
	}
	if _, pid, ok := parseHolder(DefaultHolder()); !ok || pid != os.Getpid() {
		t.Errorf("DefaultHolder %q does not parse to this process", DefaultHolder())
	}
}

func TestProcessGone(t *testing.T) {
	if processGone(os.Getpid()) {
		t.Error("this process is gone")
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if !processGone(cmd.Process.Pid) {
		t.Errorf("a reaped child (pid %d) is not gone", cmd.Process.Pid)
	}
}
