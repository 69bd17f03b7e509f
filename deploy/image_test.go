package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// imageUID is the numeric user the Containerfile runs as.
const imageUID = "65532"

// TestContainerImage builds the image from deploy/Containerfile with
// deploy/build-image.sh (no base image pulled), checks its configuration,
// runs `statusphere version` in it, and runs serve in it: /healthz answers,
// the process runs as the non-root user, and backup writes to the /data
// volume.
func TestContainerImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a static binary and a container image (minutes); run without -short")
	}
	podman, err := exec.LookPath("podman")
	if err != nil {
		t.Fatal("podman not found: run make deps (scripts/install-debs.sh installs podman and runc)")
	}
	tag := fmt.Sprintf("localhost/statusphere-test:%d", time.Now().UnixNano())
	build := exec.CommandContext(t.Context(), "./build-image.sh", tag)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build-image.sh: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command(podman, "rmi", "-f", tag).Run() })

	checkImageConfig(t, podman, tag)
	args := runArgs(t)

	out := podmanRun(t, podman, append(append([]string{"run", "--rm", "--network=none"}, args...), tag, "version")...)
	if !regexp.MustCompile(`^statusphere \S+ commit \S+ go1\.\S+\n$`).MatchString(out) {
		t.Errorf("statusphere version in the image printed %q", out)
	}

	port := freePort(t)
	name := strings.NewReplacer(":", "-", "/", "-", ".", "-").Replace(tag)
	run := append([]string{"run", "-d", "--name", name, "--network=host",
		"-e", "STATUSPHERE_ADDR=127.0.0.1:" + port, "-e", "STATUSPHERE_INGEST=false"}, args...)
	podmanRun(t, podman, append(run, tag)...)
	t.Cleanup(func() { exec.Command(podman, "rm", "-f", name).Run() })
	waitHealthy(t, "http://127.0.0.1:"+port+"/healthz")

	pid := strings.TrimSpace(podmanRun(t, podman, "inspect", "--format", "{{.State.Pid}}", name))
	status, err := os.ReadFile(filepath.Join("/proc", pid, "status"))
	if err != nil {
		t.Fatal(err)
	}
	if uid := regexp.MustCompile(`(?m)^Uid:\s+(\d+)`).FindSubmatch(status); uid == nil || string(uid[1]) != imageUID {
		t.Errorf("serve runs as uid %q, want %s", uid, imageUID)
	}
	if out := podmanRun(t, podman, "exec", name, "/statusphere", "backup", "/data/backup.db"); !strings.Contains(out, "backed up /data/statusphere.db to /data/backup.db") {
		t.Errorf("backup in the container printed %q", out)
	}
}

// runArgs are the podman run flags this kind of machine needs: a VM
// without CAP_SYS_RESOURCE on hybrid cgroups, where crun refuses to run
// (runc does) and podman's default rlimits (above the current hard limit)
// cannot be set. They are harmless elsewhere.
func runArgs(t *testing.T) []string {
	t.Helper()
	args := []string{"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096"}
	if _, err := exec.LookPath("runc"); err == nil {
		args = append(args, "--runtime", "runc")
	}
	return args
}

// checkImageConfig checks the user, entrypoint, command, volume and
// environment of the image.
func checkImageConfig(t *testing.T, podman, tag string) {
	t.Helper()
	var cfg struct {
		User       string
		Entrypoint []string
		Cmd        []string
		Env        []string
		Volumes    map[string]any
	}
	out := podmanRun(t, podman, "image", "inspect", "--format", "{{json .Config}}", tag)
	if err := json.Unmarshal([]byte(out), &cfg); err != nil {
		t.Fatalf("image config %q: %v", out, err)
	}
	if cfg.User != imageUID+":"+imageUID || strings.Join(cfg.Entrypoint, " ") != "/statusphere" || strings.Join(cfg.Cmd, " ") != "serve" {
		t.Errorf("image config: user %q, entrypoint %q, cmd %q", cfg.User, cfg.Entrypoint, cfg.Cmd)
	}
	if _, ok := cfg.Volumes["/data"]; !ok {
		t.Errorf("image volumes %v, want /data", cfg.Volumes)
	}
	if env := strings.Join(cfg.Env, " "); !strings.Contains(env, "STATUSPHERE_DATABASE_URL=/data/statusphere.db") {
		t.Errorf("image env %q lacks the database on /data", env)
	}
}

// podmanRun runs podman with args and returns its standard output.
func podmanRun(t *testing.T, podman string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, podman, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// waitHealthy polls url until it answers 200.
func waitHealthy(t *testing.T, url string) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	var last string
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		resp, err := client.Get(url)
		if err != nil {
			last = err.Error()
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return
		}
		last = resp.Status
	}
	t.Fatalf("%s never answered 200: %s", url, last)
}
