package city_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/sothutu/sothutu/internal/servertest"
)

// postgres is a PostgreSQL server started for one test.
type postgres struct {
	port  string
	admin *sql.DB
	n     int
}

// startPostgres runs Debian's PostgreSQL in a temporary folder on a
// reserved loopback port (internal/servertest), as the postgres user when
// the test runs as root (the server refuses root), and stops it when the
// test ends. It skips the test when the binaries are missing, and fails it
// when CI is "true".
func startPostgres(t testing.TB) *postgres {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	slices.Sort(bins)
	if len(bins) == 0 {
		servertest.Missing(t, "PostgreSQL not found in /usr/lib/postgresql/*/bin: apt-get install -y postgresql")
	}
	bin := filepath.Dir(bins[len(bins)-1])
	var cred *syscall.Credential
	dir, err := os.MkdirTemp("", "city-postgres-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			servertest.Missing(t, fmt.Sprintf("the server refuses to run as root and there is no postgres user (%v): apt-get install -y postgresql", err))
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	command := func(name string, args ...string) *exec.Cmd {
		cmd := exec.Command(filepath.Join(bin, name), args...)
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		return cmd
	}
	data := filepath.Join(dir, "data")
	initdb := command("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	p := &postgres{}
	server, err := servertest.Start(t, servertest.Options{Name: "postgres", Timeout: 20 * time.Second,
		Signal: syscall.SIGINT, // fast shutdown
		Command: func(ports []int) (*exec.Cmd, error) {
			p.port = strconv.Itoa(ports[0])
			return command("postgres", "-D", data, "-p", p.port, "-k", dir, "-c", "listen_addresses=127.0.0.1"), nil
		},
		Ready: func(ctx context.Context, _ []int) error {
			db, err := sql.Open("pgx", p.dsn("postgres"))
			if err != nil {
				return err
			}
			defer db.Close()
			ctx, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
			return db.PingContext(ctx)
		}})
	if err != nil {
		t.Fatalf("startPostgres: %v", err)
	}
	p.port = strconv.Itoa(server.Port(0))
	p.admin, err = sql.Open("pgx", p.dsn("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.admin.Close() })
	return p
}

func (p *postgres) dsn(db string) string {
	return "postgres://postgres@127.0.0.1:" + p.port + "/" + db + "?sslmode=disable"
}

// database creates a new empty database and returns its DSN.
func (p *postgres) database(t testing.TB) string {
	t.Helper()
	p.n++
	name := fmt.Sprintf("city_%d", p.n)
	if _, err := p.admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	return p.dsn(name)
}
