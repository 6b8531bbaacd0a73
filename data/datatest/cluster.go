package datatest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pgBin holds the PostgreSQL 15 server programs (Debian's layout, as
// scripts/bootstrap.sh installs them).
const pgBin = "/usr/lib/postgresql/15/bin"

// Cluster is a PostgreSQL server of one test's own (its own folder, port and
// socket folder) holding a copy of the Banten database, for tests that stop
// and start the database under a running service: stopping the shared
// server would fail every other test.
type Cluster struct {
	// URL is the Banten database on this server.
	URL string
	// Log is the server's log file.
	Log string
	dir string
	// asOwner runs a command as the cluster's owner: PostgreSQL refuses to
	// run as root, so as root the cluster belongs to the postgres user.
	asOwner []string
}

// NewCluster creates and starts a cluster in a temporary folder, restores
// into it a dump of the shared Banten database (Banten) without its H3 cells
// (the h3_* tables, three quarters of its size, left empty: H3 reads answer
// as before any recompute), and removes it all when the test ends. It takes
// about 3 s. Without PostgreSQL's programs the test skips (fails under CI).
func NewCluster(tb testing.TB) *Cluster {
	tb.Helper()
	for _, tool := range []string{"initdb", "pg_ctl", "psql", "pg_dump", "pg_dumpall", "pg_restore"} {
		if _, err := os.Stat(filepath.Join(pgBin, tool)); err != nil {
			if os.Getenv("CI") != "" {
				tb.Fatalf("%s is missing: make test installs PostgreSQL 15 (scripts/bootstrap.sh)", tool)
			}
			tb.Skipf("%s is missing from %s: this test runs a PostgreSQL server of its own (Debian package postgresql-15)", tool, pgBin)
		}
	}
	source := Banten(tb)
	c := &Cluster{}
	if os.Getuid() == 0 {
		c.asOwner = []string{"runuser", "-u", "postgres", "--", "env", "-C", "/"}
	}
	dir, err := os.MkdirTemp("", "petarawan-cluster-")
	if err != nil {
		tb.Fatal(err)
	}
	c.dir, c.Log = dir, filepath.Join(dir, "postgres.log")
	tb.Cleanup(func() {
		if tb.Failed() {
			c.logTail(tb)
		}
		c.pgCtl("stop", "-m", "immediate")
		os.RemoveAll(dir)
	})
	if c.asOwner != nil {
		if out, err := exec.Command("chown", "postgres:", dir).CombinedOutput(); err != nil {
			tb.Fatalf("chown %s: %v\n%s", dir, err, out)
		}
		if exec.Command("runuser", "-u", "postgres", "--", "test", "-w", dir).Run() != nil {
			tb.Fatalf("the postgres user cannot write %s: set TMPDIR to a folder it can reach", dir)
		}
	}
	port, err := freePort()
	if err != nil {
		tb.Fatal(err)
	}
	// No fsync: the cluster lives for one test, and stops as a crash would.
	conf := fmt.Sprintf("port = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n"+
		"fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n", port, dir)
	if err := c.run("initdb", "-D", c.dataDir(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"); err != nil {
		tb.Fatal(err)
	}
	if err := appendFile(filepath.Join(c.dataDir(), "postgresql.conf"), conf); err != nil {
		tb.Fatal(err)
	}
	c.Start(tb)

	u, err := url.Parse(source)
	if err != nil {
		tb.Fatal(err)
	}
	u.User = url.User("postgres") // initdb -U postgres: the cluster's superuser
	u.Host = "127.0.0.1:" + strconv.Itoa(port)
	u.Path = "/petarawan"
	c.URL = u.String()
	dump := filepath.Join(dir, "banten.dump")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// The roles the dump grants to belong to the cluster, not to the
	// database: they come first (psql goes on past "role postgres exists").
	roles, err := exec.CommandContext(ctx, filepath.Join(pgBin, "pg_dumpall"), "--roles-only", "--no-role-passwords", "--dbname="+source).Output()
	if err != nil {
		tb.Fatalf("pg_dumpall --roles-only: %v", err)
	}
	postgres := strings.Replace(c.URL, "/petarawan", "/postgres", 1)
	for _, step := range []struct {
		args  []string
		stdin string
	}{
		{[]string{"psql", "--quiet", "--dbname=" + postgres}, string(roles)},
		{[]string{"psql", "--quiet", "--dbname=" + postgres, "--command=CREATE DATABASE petarawan"}, ""},
		{[]string{"pg_dump", "--format=custom", "--compress=0", "--exclude-table-data=h3_*", "--file=" + dump, "--dbname=" + source}, ""},
		{[]string{"pg_restore", "--exit-on-error", "--jobs=2", "--dbname=" + c.URL, dump}, ""},
	} {
		cmd := exec.CommandContext(ctx, filepath.Join(pgBin, step.args[0]), step.args[1:]...)
		cmd.Stdin = strings.NewReader(step.stdin)
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("%s: %v\n%s", step.args[0], err, out)
		}
	}
	return c
}

// Stop shuts the server down as an administrator would (pg_ctl stop -m
// fast): open sessions are ended, new ones refused.
func (c *Cluster) Stop(tb testing.TB) {
	tb.Helper()
	if err := c.pgCtl("stop", "-m", "fast"); err != nil {
		tb.Fatal(err)
	}
}

// Start starts the server and waits until it accepts connections.
func (c *Cluster) Start(tb testing.TB) {
	tb.Helper()
	if err := c.pgCtl("start", "-l", c.Log); err != nil {
		c.logTail(tb)
		tb.Fatal(err)
	}
}

func (c *Cluster) dataDir() string { return filepath.Join(c.dir, "data") }

func (c *Cluster) pgCtl(args ...string) error {
	return c.run("pg_ctl", append([]string{"-D", c.dataDir(), "-w", "-s"}, args...)...)
}

// run runs one of PostgreSQL's programs as the cluster's owner.
func (c *Cluster) run(name string, args ...string) error {
	cmd := append(append(append([]string{}, c.asOwner...), filepath.Join(pgBin, name)), args...)
	out, err := exec.Command(cmd[0], cmd[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", strings.Join(cmd, " "), err, out)
	}
	return nil
}

// logTail shows the end of the server's log, for a test that failed.
func (c *Cluster) logTail(tb testing.TB) {
	b, err := os.ReadFile(c.Log)
	if err != nil {
		return
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	tb.Logf("the last lines of %s:\n%s", c.Log, strings.Join(lines[max(0, len(lines)-20):], "\n"))
}

// appendFile adds text at the end of a file.
func appendFile(name, text string) error {
	f, err := os.OpenFile(name, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(text)
	return errors.Join(err, f.Close())
}

// freePort is a TCP port of the loopback that nobody listens on.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
