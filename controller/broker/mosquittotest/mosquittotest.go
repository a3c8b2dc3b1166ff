package mosquittotest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/broker"
	"github.com/sothutu/sothutu/internal/servertest"
)

// readyTimeout bounds how long Start and Restart wait for the port to accept
// connections; mosquitto usually listens within a few milliseconds.
const readyTimeout = 10 * time.Second

// Mosquitto is a mosquitto process serving one test. Its methods must be
// called from the test's goroutine.
type Mosquitto struct {
	t      testing.TB
	server *servertest.Server
	ca     string // the CA's PEM file of a TLS broker
}

// Start runs mosquitto on a reserved loopback port with the accounts, waits
// until it accepts connections, and stops it when the test ends.
func Start(t testing.TB, accounts []broker.Account) *Mosquitto {
	t.Helper()
	return start(t, accounts, broker.MosquittoACL(accounts), false)
}

// StartTLS is Start with a TLS listener: a certificate for 127.0.0.1
// signed by a certificate authority made for the test, whose certificate
// is in the PEM file CAFile. Clients connect to "ssl://"+Addr().
func StartTLS(t testing.TB, accounts []broker.Account) *Mosquitto {
	t.Helper()
	return start(t, accounts, broker.MosquittoACL(accounts), true)
}

// StartACL is Start with an acl_file of the test's own, for accounts whose
// rules broker.Account cannot express (the city's, reading every centre's
// figures).
func StartACL(t testing.TB, accounts []broker.Account, acl []byte) *Mosquitto {
	t.Helper()
	return start(t, accounts, acl, false)
}

// CAFile is the PEM file of the certificate authority of a TLS broker.
func (m *Mosquitto) CAFile() string { return m.ca }

func start(t testing.TB, accounts []broker.Account, acl []byte, withTLS bool) *Mosquitto {
	t.Helper()
	bin := servertest.Program(t, "mosquitto", "apt-get install -y mosquitto")
	dir := t.TempDir()
	passwords, err := broker.MosquittoPasswords(accounts)
	if err != nil {
		t.Fatalf("mosquittotest.Start: %v", err)
	}
	passwordFile := filepath.Join(dir, "passwd")
	aclFile := filepath.Join(dir, "acl")
	for name, data := range map[string][]byte{passwordFile: passwords, aclFile: acl} {
		if err := os.WriteFile(name, data, 0o600); err != nil {
			t.Fatalf("mosquittotest.Start: %v", err)
		}
	}
	m := &Mosquitto{t: t}
	var tlsFiles []string
	if withTLS {
		if tlsFiles, err = certificates(dir); err != nil {
			t.Fatalf("mosquittotest.StartTLS: %v", err)
		}
		m.ca = tlsFiles[0]
	}
	conf := filepath.Join(dir, "mosquitto.conf")
	m.server, err = servertest.Start(t, servertest.Options{Name: "mosquitto", Timeout: readyTimeout,
		Command: func(ports []int) (*exec.Cmd, error) {
			if err := os.WriteFile(conf, config(strconv.Itoa(ports[0]), passwordFile, aclFile, tlsFiles), 0o600); err != nil {
				return nil, err
			}
			return exec.Command(bin, "-c", conf), nil
		}})
	if err != nil {
		t.Fatalf("mosquittotest.Start: %v", err)
	}
	return m
}

// config is mosquitto.conf for one loopback listener, with TLS when
// tlsFiles names the CA, certificate and key files.
func config(port, passwordFile, aclFile string, tlsFiles []string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by mosquittotest.Start.\n")
	fmt.Fprintf(&b, "listener %s 127.0.0.1\n", port)
	if len(tlsFiles) == 3 {
		fmt.Fprintf(&b, "cafile %s\ncertfile %s\nkeyfile %s\n", tlsFiles[0], tlsFiles[1], tlsFiles[2])
	}
	fmt.Fprintf(&b, "allow_anonymous false\n")
	fmt.Fprintf(&b, "password_file %s\n", passwordFile)
	fmt.Fprintf(&b, "acl_file %s\n", aclFile)
	// A client's id becomes its username: no device can take over another
	// device's session (the acl_file cannot check client ids).
	fmt.Fprintf(&b, "use_username_as_clientid true\n")
	// Without it a QoS 1 round trip on loopback waits ~40 ms for Nagle and
	// delayed ACKs instead of ~0.1 ms.
	fmt.Fprintf(&b, "set_tcp_nodelay true\n")
	fmt.Fprintf(&b, "persistence false\n")
	fmt.Fprintf(&b, "log_dest stderr\n")
	fmt.Fprintf(&b, "log_type all\n")
	if os.Geteuid() == 0 {
		// As root mosquitto would switch to the mosquitto user, which
		// cannot read the test's temporary directory.
		fmt.Fprintf(&b, "user root\n")
	}
	return []byte(b.String())
}

// Addr is the broker's host:port; "tcp://"+Addr() is a client URL. It does
// not change on Restart.
func (m *Mosquitto) Addr() string { return m.server.Addr(0) }

// Pid is the broker's process id, for a test measuring its CPU time; 0
// while it is stopped.
func (m *Mosquitto) Pid() int { return m.server.Pid() }

// Stop kills the broker, as a crash or a power cut would: clients lose their
// connection and retained messages are gone. Stopping a stopped broker does
// nothing.
func (m *Mosquitto) Stop() {
	m.t.Helper()
	m.server.Kill()
}

// Restart stops the broker if it runs and starts it again on the same port,
// for tests of reconnection. It returns once the port accepts connections.
func (m *Mosquitto) Restart() {
	m.t.Helper()
	if err := m.server.Restart(); err != nil {
		m.t.Fatalf("mosquittotest.Restart: %v", err)
	}
}
