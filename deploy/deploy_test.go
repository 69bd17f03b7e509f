package deploy

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// binaryPath is where the units expect the statusphere binary.
const binaryPath = "/usr/local/bin/statusphere"

// requiredUnits are the long-running services, with what each must hold.
var requiredUnits = []string{"statusphere.service", "statusphere-ingest.service", "statusphere-web.service"}

// hardening lists settings every long-running unit must have.
var hardening = []string{
	"NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
	"PrivateDevices=yes", "ProtectKernelTunables=yes", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
	"SystemCallFilter=@system-service", "User=statusphere", "StateDirectory=statusphere",
	"EnvironmentFile=-/etc/statusphere/env", "[Install]",
}

// TestSystemdUnits runs systemd-analyze verify on every unit in systemd/
// (with ExecStart pointed at a stand-in executable, since verify checks that
// the binary exists), fails on any warning, and checks that the services
// hold the hardening settings and an exposure level of at most 2.5 by
// systemd-analyze security.
func TestSystemdUnits(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Fatal("systemd-analyze not found: install systemd (apt-get install systemd) to verify the units in deploy/systemd")
	}
	units, err := filepath.Glob(filepath.Join("systemd", "*.service"))
	if err != nil {
		t.Fatal(err)
	}
	timers, _ := filepath.Glob(filepath.Join("systemd", "*.timer"))
	units = append(units, timers...)
	for _, name := range requiredUnits {
		if _, err := os.Stat(filepath.Join("systemd", name)); err != nil {
			t.Errorf("missing unit: %v", err)
		}
	}

	dir := t.TempDir()
	stand := filepath.Join(dir, "statusphere")
	if err := os.WriteFile(stand, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var copies []string
	for _, u := range units {
		b, err := os.ReadFile(u)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(binaryPath)) && strings.HasSuffix(u, ".service") {
			t.Errorf("%s does not run %s", u, binaryPath)
		}
		p := filepath.Join(dir, filepath.Base(u))
		if err := os.WriteFile(p, bytes.ReplaceAll(b, []byte(binaryPath), []byte(stand)), 0o644); err != nil {
			t.Fatal(err)
		}
		copies = append(copies, p)
	}
	for _, p := range copies {
		name := filepath.Base(p)
		t.Run(name, func(t *testing.T) {
			out, err := exec.CommandContext(t.Context(), analyze, "verify", p).CombinedOutput()
			if err != nil || len(bytes.TrimSpace(out)) > 0 {
				t.Errorf("systemd-analyze verify %s: %v\n%s", name, err, out)
			}
			if !strings.HasSuffix(name, ".service") {
				return
			}
			out, err = exec.CommandContext(t.Context(), analyze, "security", "--offline=yes", "--threshold=25", p).CombinedOutput()
			if err != nil {
				t.Errorf("systemd-analyze security %s: exposure above 2.5 (%v):\n%s", name, err, out)
			}
		})
	}
	for _, name := range requiredUnits {
		b, err := os.ReadFile(filepath.Join("systemd", name))
		if err != nil {
			continue // reported above
		}
		for _, want := range hardening {
			if !hasLine(string(b), want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
	}
}

// hasLine reports whether text has a line that is exactly line.
func hasLine(text, line string) bool {
	for l := range strings.Lines(text) {
		if strings.TrimSpace(l) == line {
			return true
		}
	}
	return false
}
