package app

import (
	"runtime"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestBuildInfoGauge(t *testing.T) {
	bi := ReadBuildInfo()
	if bi.GoVersion != runtime.Version() || bi.Version == "" || bi.Commit == "" {
		t.Fatalf("ReadBuildInfo = %+v", bi)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(buildInfoGauge(BuildInfo{Version: "v1.2.3", Commit: "abc123", GoVersion: "go1.99"}))
	mfs, err := reg.Gather()
	if err != nil || len(mfs) != 1 || len(mfs[0].GetMetric()) != 1 {
		t.Fatalf("Gather = %v, %v", mfs, err)
	}
	m := mfs[0].GetMetric()[0]
	labels := map[string]string{}
	for _, l := range m.GetLabel() {
		labels[l.GetName()] = l.GetValue()
	}
	if mfs[0].GetName() != "statusphere_build_info" || m.GetGauge().GetValue() != 1 ||
		labels["version"] != "v1.2.3" || labels["commit"] != "abc123" || labels["go"] != "go1.99" || len(labels) != 3 {
		t.Errorf("gathered %s", strings.TrimSpace(mfs[0].String()))
	}
}

func TestDatabaseName(t *testing.T) {
	for in, want := range map[string]string{
		"/var/lib/statusphere/statusphere.db":                       "/var/lib/statusphere/statusphere.db",
		"postgres://app:secret@db:5432/statusphere?sslmode=disable": "postgres://app:xxxxx@db:5432/statusphere",
		"postgresql://db/statusphere?password=secret":               "postgresql://db/statusphere",
	} {
		if got := databaseName(in); got != want {
			t.Errorf("databaseName(%q) = %q, want %q", in, got, want)
		}
	}
}
