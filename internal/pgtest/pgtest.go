package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// port is the server's port number. It only names the socket file
// (<dir>/.s.PGSQL.5432): the server listens on no TCP port, and each server
// has its own directory.
const port = 5432

// readyTimeout bounds how long Start waits for a new server to accept
// connections.
const readyTimeout = 60 * time.Second

// dirPrefix starts the name of every server directory, followed by the test
// binary's pid (see sweepStale).
const dirPrefix = "pgtest-"

// Start returns the URL of a fresh, empty database on a throw-away
// PostgreSQL server, for pgx:
//
//	postgres://postgres@/test_3?host=%2Ftmp%2Fpgtest-…&port=5432&sslmode=disable
//
// The database is dropped when t ends; the server stops when no running
// test uses it any more (see the package documentation). Start fails t when
// PostgreSQL is not installed, and skips it under -short.
func Start(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("pgtest: -short: not starting PostgreSQL")
	}
	srv, err := acquire()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(release)
	name, err := srv.createDatabase()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.dropDatabase(name); err != nil {
			t.Logf("pgtest: %v", err)
		}
	})
	return srv.url(name)
}

// shared is the server of the tests now running, with the number of them.
var shared struct {
	mu   sync.Mutex
	srv  *server
	refs int
}

func acquire() (*server, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.srv == nil {
		srv, err := startServer()
		if err != nil {
			return nil, err
		}
		shared.srv = srv
	}
	shared.refs++
	return shared.srv, nil
}

func release() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	shared.refs--
	if shared.refs > 0 {
		return
	}
	srv := shared.srv
	shared.srv = nil
	if srv != nil {
		srv.stop()
	}
}

// server is one running postgres process.
type server struct {
	dir    string              // holds data/, the socket and postgres.log
	bin    string              // the directory of the server binaries
	cred   *syscall.Credential // whom they run as (nil: ourselves)
	cmd    *exec.Cmd           // the postgres process (a process group leader)
	exited chan struct{}       // closed when cmd has exited
	admin  *sql.DB             // connected to the "postgres" database

	mu     sync.Mutex // serializes CREATE DATABASE
	nextDB int
}

func (s *server) url(database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User("postgres"),
		Path:     "/" + database,
		RawQuery: url.Values{"host": {s.dir}, "port": {strconv.Itoa(port)}, "sslmode": {"disable"}}.Encode(),
	}
	return u.String()
}

func (s *server) createDatabase() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextDB++
	name := fmt.Sprintf("test_%d", s.nextDB)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	return name, nil
}

func (s *server) dropDatabase(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// binDir finds the PostgreSQL server binaries: the newest Debian
// /usr/lib/postgresql/<major>/bin, else initdb's directory on PATH.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return majorOf(dirs[i]) > majorOf(dirs[j]) })
	if p, err := exec.LookPath("initdb"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	for _, d := range dirs {
		if isExecutable(filepath.Join(d, "initdb")) && isExecutable(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", errors.New("pgtest: PostgreSQL server binaries (initdb, postgres) not found in /usr/lib/postgresql/*/bin or on PATH; run `make test`, which installs them")
}

// majorOf returns the version in /usr/lib/postgresql/<major>/bin.
func majorOf(dir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(dir)), 64)
	return v
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// postgresUser returns the credential to run the server binaries under:
// the system user postgres when running as root (initdb and postgres refuse
// to run as root), nil (the current user) otherwise.
func postgresUser() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgtest: running as root needs the system user postgres (%v); run `make test`, which installs postgresql", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("pgtest: user postgres has a non-numeric uid/gid %s/%s", u.Uid, u.Gid)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// baseDir is where server directories go: os.TempDir(), unless the socket
// path would be too long for a Unix socket (108 bytes) or, as root, the
// postgres user could not reach it; then /tmp.
func baseDir(cred *syscall.Credential) string {
	base := os.TempDir()
	if len(base) > 60 || (cred != nil && !worldSearchable(base)) {
		return "/tmp"
	}
	return base
}

// worldSearchable reports whether every directory from / to dir lets other
// users through.
func worldSearchable(dir string) bool {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == filepath.Dir(d) {
			return true
		}
	}
}

// startServer initializes a data directory and starts postgres on it.
func startServer() (*server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	cred, err := postgresUser()
	if err != nil {
		return nil, err
	}
	base := baseDir(cred)
	sweepStale(base)
	dir, err := os.MkdirTemp(base, fmt.Sprintf("%s%d-", dirPrefix, os.Getpid()))
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	srv, err := startIn(dir, bin, cred)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	return srv, nil
}

func startIn(dir, bin string, cred *syscall.Credential) (*server, error) {
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, err
		}
	}
	initdb := command(cred, filepath.Join(bin, "initdb"),
		"-D", filepath.Join(dir, "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	var (
		out []byte
		err error
	)
	onLockedThread(func() { out, err = initdb.CombinedOutput() })
	if err != nil {
		return nil, fmt.Errorf("initdb: %v: %s", err, lastLines(string(out), 10))
	}
	srv := &server{dir: dir, bin: bin, cred: cred}
	if err := srv.run(); err != nil {
		return nil, err
	}
	return srv, nil
}

// run starts postgres on the initialized data directory and waits until
// it accepts connections.
func (s *server) run() error {
	logPath := filepath.Join(s.dir, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close() // the child has its own copy
	cmd := command(s.cred, filepath.Join(s.bin, "postgres"),
		"-D", filepath.Join(s.dir, "data"),
		"-k", s.dir,
		"-p", strconv.Itoa(port),
		"-c", "listen_addresses=",
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		"-c", "max_connections=300",
		"-c", "log_min_messages=warning",
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile

	// The parent-death signal fires when the thread that started the child
	// exits, so start it from a goroutine that keeps its thread locked until
	// the server has exited.
	exited := make(chan struct{})
	s.cmd, s.exited = cmd, exited
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		cmd.Wait() // the exit status of a killed server says nothing useful
		close(exited)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}

	admin, err := sql.Open("pgx", s.url("postgres"))
	if err != nil {
		s.kill()
		return err
	}
	s.admin = admin
	if err := s.waitReady(logPath); err != nil {
		s.halt(syscall.SIGQUIT)
		return err
	}
	return nil
}

// command builds a command that runs bin as cred (nil: as ourselves), in its
// own process group, killed when the test binary dies.
func command(cred *syscall.Credential, bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: cred,
		Setpgid:    true,
		Pdeathsig:  syscall.SIGKILL,
	}
	env := []string{"LC_ALL=C", "TZ=UTC"}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") || strings.HasPrefix(kv, "LC_") || strings.HasPrefix(kv, "LANG") || strings.HasPrefix(kv, "TZ=") {
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = env
	return cmd
}

// onLockedThread runs f on a goroutine locked to its OS thread, so that the
// parent-death signal of a child f starts does not fire when the Go runtime
// retires the thread.
func onLockedThread(f func()) {
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer close(done)
		f()
	}()
	<-done
}

func (s *server) waitReady(logPath string) error {
	deadline := time.Now().Add(readyTimeout)
	var err error
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("postgres exited during startup: %s", lastLines(string(log), 10))
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err = s.admin.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	log, _ := os.ReadFile(logPath)
	return fmt.Errorf("postgres not ready after %v: %v; log: %s", readyTimeout, err, lastLines(string(log), 10))
}

// stop shuts the server down (immediate mode: nothing in it is kept) and
// removes its directory.
func (s *server) stop() {
	s.halt(syscall.SIGQUIT)
	os.RemoveAll(s.dir)
}

// halt shuts the server down with sig (SIGINT: fast mode, which keeps what
// was committed; SIGQUIT: immediate mode, which may not, durability being
// off), killing it if it has not exited a few seconds later. Its directory
// stays, for run to start it again.
func (s *server) halt(sig syscall.Signal) {
	if s.admin != nil {
		s.admin.Close()
		s.admin = nil
	}
	s.signal(sig)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		s.kill()
	}
}

func (s *server) kill() {
	s.signal(syscall.SIGKILL)
	<-s.exited
}

// signal sends sig to the server's process group (the postmaster and its
// backends).
func (s *server) signal(sig syscall.Signal) {
	if s.cmd.Process != nil {
		syscall.Kill(-s.cmd.Process.Pid, sig)
	}
}

// sweepStale removes the server directories in base left by test binaries
// that died without cleaning up (their servers died with them).
func sweepStale(base string) {
	dirs, _ := filepath.Glob(filepath.Join(base, dirPrefix+"*-*"))
	for _, d := range dirs {
		pidText, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(d), dirPrefix), "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			os.RemoveAll(d)
		}
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// socket is the path of the server's Unix socket.
func (s *server) socket() string {
	return filepath.Join(s.dir, ".s.PGSQL."+strconv.Itoa(port))
}
