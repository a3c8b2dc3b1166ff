// Package natstest runs a cluster of real nats-server processes (Debian's
// nats-server) with JetStream and their MQTT listeners on loopback, for
// tests of the city side on a clustered broker.
package natstest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/sothutu/sothutu/controller/broker/brokertest"
)

const readyTimeout = 30 * time.Second

var errMissing = errors.New("nats-server not found in PATH or /usr/sbin: apt-get install -y nats-server")

// Cluster is a running cluster. Its methods must be called from the test's
// goroutine.
type Cluster struct {
	t     testing.TB
	bin   string
	dir   string
	nodes []*node
}

type node struct {
	name      string
	conf, log string
	client    string // host:port of NATS clients
	mqtt      string // host:port of MQTT clients
	mu        sync.Mutex
	cmd       *exec.Cmd
	exited    chan struct{}
	logFile   *os.File
}

// Start runs n nodes clustered on free loopback ports, each with JetStream
// (MQTT needs it) and an MQTT listener, waits until every MQTT port
// accepts connections and the cluster has elected its JetStream leader,
// and stops them when the test ends.
func Start(t testing.TB, n int) *Cluster {
	t.Helper()
	bin, found := brokertest.Find("nats-server", "/usr/sbin", "/usr/local/sbin")
	if !found {
		if os.Getenv("CI") == "true" {
			t.Fatalf("natstest.Start: %v", errMissing)
		}
		t.Skipf("natstest.Start: %v", errMissing)
	}
	c := &Cluster{t: t, bin: bin, dir: t.TempDir()}
	var err error
	routes := make([]string, n)
	ports := make([][3]string, n)
	for i := range n {
		for k := range 3 {
			if ports[i][k], err = brokertest.FreePort(); err != nil {
				t.Fatalf("natstest.Start: %v", err)
			}
		}
		routes[i] = "nats-route://127.0.0.1:" + ports[i][1]
	}
	for i := range n {
		nd := &node{name: fmt.Sprintf("n%d", i+1),
			client: "127.0.0.1:" + ports[i][0], mqtt: "127.0.0.1:" + ports[i][2]}
		nd.conf = filepath.Join(c.dir, nd.name+".conf")
		nd.log = filepath.Join(c.dir, nd.name+".log")
		conf := fmt.Sprintf(`server_name: %s
listen: %s
jetstream { store_dir: %q }
cluster {
  name: city
  listen: 127.0.0.1:%s
  routes: [%s]
}
mqtt { listen: %s }
`, nd.name, nd.client, filepath.Join(c.dir, nd.name+"-js"), ports[i][1], strings.Join(routes, ", "), nd.mqtt)
		if err := os.WriteFile(nd.conf, []byte(conf), 0o600); err != nil {
			t.Fatalf("natstest.Start: %v", err)
		}
		if nd.logFile, err = os.OpenFile(nd.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err != nil {
			t.Fatalf("natstest.Start: %v", err)
		}
		c.nodes = append(c.nodes, nd)
	}
	t.Cleanup(c.cleanup)
	for _, nd := range c.nodes {
		if err := c.start(nd); err != nil {
			t.Fatalf("natstest.Start: %v", err)
		}
	}
	for _, nd := range c.nodes {
		if err := waitReady(nd); err != nil {
			t.Fatalf("natstest.Start %s: %v (log %s)", nd.name, err, nd.log)
		}
	}
	return c
}

// waitReady waits until the node takes an MQTT session: its port listens
// before the cluster's JetStream, which MQTT sessions live in, is ready.
func waitReady(nd *node) error {
	if err := brokertest.WaitListening(nd.mqtt, nd.exited, readyTimeout); err != nil {
		return err
	}
	deadline := time.Now().Add(readyTimeout)
	for {
		c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("tcp://" + nd.mqtt).SetClientID("natstest-probe").
			SetProtocolVersion(4).SetConnectTimeout(5 * time.Second))
		tok := c.Connect()
		if tok.WaitTimeout(6*time.Second) && tok.Error() == nil {
			c.Disconnect(0)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no MQTT session on %s after %v: %v", nd.mqtt, readyTimeout, tok.Error())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// MQTT is node i's MQTT address, host:port.
func (c *Cluster) MQTT(i int) string { return c.nodes[i].mqtt }

// NATS is node i's client URL, nats://host:port.
func (c *Cluster) NATS(i int) string { return "nats://" + c.nodes[i].client }

// NATSURLs lists every node's client URL, comma separated, for a client that
// moves to another node when its own goes.
func (c *Cluster) NATSURLs() string {
	var urls []string
	for i := range c.nodes {
		urls = append(urls, c.NATS(i))
	}
	return strings.Join(urls, ",")
}

// Kill stops node i as a crash would.
func (c *Cluster) Kill(i int) {
	c.t.Helper()
	c.nodes[i].stop()
}

// Restart starts node i again, with its JetStream store, and waits until
// its MQTT port accepts connections.
func (c *Cluster) Restart(i int) {
	c.t.Helper()
	nd := c.nodes[i]
	nd.stop()
	if err := c.start(nd); err != nil {
		c.t.Fatalf("natstest.Restart: %v", err)
	}
	if err := waitReady(nd); err != nil {
		c.t.Fatalf("natstest.Restart %s: %v (log %s)", nd.name, err, nd.log)
	}
}

func (c *Cluster) start(nd *node) error {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	cmd := exec.Command(c.bin, "-c", nd.conf)
	cmd.Stdout, cmd.Stderr = nd.logFile, nd.logFile
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("exec %s: %w", c.bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	nd.cmd, nd.exited = cmd, exited
	return nil
}

func (nd *node) stop() {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	if nd.cmd == nil {
		return
	}
	_ = nd.cmd.Process.Kill()
	<-nd.exited
	nd.cmd, nd.exited = nil, nil
}

func (c *Cluster) cleanup() {
	for _, nd := range c.nodes {
		nd.stop()
		if c.t.Failed() {
			if data, err := os.ReadFile(nd.log); err == nil {
				c.t.Logf("%s log:\n%s", nd.name, tail(data, 4000))
			}
		}
		_ = nd.logFile.Close()
	}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
