package mosquittotest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/broker"
	"github.com/sothutu/sothutu/controller/broker/brokertest"
)

// readyTimeout bounds how long Start and Restart wait for the port to accept
// connections; mosquitto usually listens within a few milliseconds.
const readyTimeout = 5 * time.Second

// errMissing says what to do when the binary is not found.
var errMissing = errors.New("mosquitto not found in PATH, /usr/sbin or /usr/local/sbin: apt-get install -y mosquitto")

// Mosquitto is a mosquitto process serving one test. Its methods must be
// called from the test's goroutine.
type Mosquitto struct {
	t       testing.TB
	bin     string
	conf    string
	logPath string
	logFile *os.File
	addr    string
	ca      string // the CA's PEM file of a TLS broker

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed once cmd has exited and been reaped
}

// Start runs mosquitto on a free loopback port with the accounts, waits until
// it accepts connections, and stops it when the test ends.
func Start(t testing.TB, accounts []broker.Account) *Mosquitto {
	t.Helper()
	return start(t, accounts, false)
}

// StartTLS is Start with a TLS listener: a certificate for 127.0.0.1
// signed by a certificate authority made for the test, whose certificate
// is in the PEM file CAFile. Clients connect to "ssl://"+Addr().
func StartTLS(t testing.TB, accounts []broker.Account) *Mosquitto {
	t.Helper()
	return start(t, accounts, true)
}

// CAFile is the PEM file of the certificate authority of a TLS broker.
func (m *Mosquitto) CAFile() string { return m.ca }

func start(t testing.TB, accounts []broker.Account, withTLS bool) *Mosquitto {
	t.Helper()
	bin, found := brokertest.Find("mosquitto", "/usr/sbin", "/usr/local/sbin")
	if !found {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mosquittotest.Start: %v", errMissing)
		}
		t.Skipf("mosquittotest.Start: %v", errMissing)
	}
	dir := t.TempDir()
	passwords, err := broker.MosquittoPasswords(accounts)
	if err != nil {
		t.Fatalf("mosquittotest.Start: %v", err)
	}
	passwordFile := filepath.Join(dir, "passwd")
	aclFile := filepath.Join(dir, "acl")
	for name, data := range map[string][]byte{passwordFile: passwords, aclFile: broker.MosquittoACL(accounts)} {
		if err := os.WriteFile(name, data, 0o600); err != nil {
			t.Fatalf("mosquittotest.Start: %v", err)
		}
	}
	m := &Mosquitto{
		t:       t,
		bin:     bin,
		conf:    filepath.Join(dir, "mosquitto.conf"),
		logPath: filepath.Join(dir, "mosquitto.log"),
	}
	m.logFile, err = os.OpenFile(m.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatalf("mosquittotest.Start: %v", err)
	}
	var tlsFiles []string
	if withTLS {
		if tlsFiles, err = certificates(dir); err != nil {
			t.Fatalf("mosquittotest.StartTLS: %v", err)
		}
		m.ca = tlsFiles[0]
	}
	t.Cleanup(m.cleanup)

	// Another process may take the free port between the probe and
	// mosquitto's bind: mosquitto then exits, and another port is tried.
	for range 3 {
		var port string
		port, err = brokertest.FreePort()
		if err != nil {
			break
		}
		m.addr = net.JoinHostPort("127.0.0.1", port)
		if err = os.WriteFile(m.conf, config(port, passwordFile, aclFile, tlsFiles), 0o600); err != nil {
			break
		}
		if err = m.start(); err == nil {
			return m
		}
	}
	t.Fatalf("mosquittotest.Start: %v", err)
	return nil
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
func (m *Mosquitto) Addr() string { return m.addr }

// Stop kills the broker, as a crash or a power cut would: clients lose their
// connection and retained messages are gone. Stopping a stopped broker does
// nothing.
func (m *Mosquitto) Stop() {
	m.t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stop()
}

// Restart stops the broker if it runs and starts it again on the same port,
// for tests of reconnection. It returns once the port accepts connections.
func (m *Mosquitto) Restart() {
	m.t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stop()
	if err := m.start(); err != nil {
		m.t.Fatalf("mosquittotest.Restart: %v", err)
	}
}

func (m *Mosquitto) cleanup() {
	m.mu.Lock()
	m.stop()
	m.mu.Unlock()
	if m.t.Failed() {
		if data, err := os.ReadFile(m.logPath); err == nil {
			m.t.Logf("mosquitto log (%s):\n%s", m.logPath, data)
		}
	}
	_ = m.logFile.Close()
}

// start runs the process and waits until its port accepts a connection.
func (m *Mosquitto) start() error {
	cmd := exec.Command(m.bin, "-c", m.conf)
	cmd.Stdout, cmd.Stderr = m.logFile, m.logFile
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("exec %s: %w", m.bin, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait() // the exit status stays in cmd.ProcessState
		close(exited)
	}()
	m.cmd, m.exited = cmd, exited
	if err := brokertest.WaitListening(m.addr, exited, readyTimeout); err != nil {
		m.stop()
		return fmt.Errorf("%s: %w (log: %s)", m.bin, err, m.logPath)
	}
	return nil
}

// stop kills the process, if any, and waits for it to be reaped, which also
// closes its listening socket.
func (m *Mosquitto) stop() {
	if m.cmd == nil {
		return
	}
	_ = m.cmd.Process.Kill()
	<-m.exited
	m.cmd, m.exited = nil, nil
}
