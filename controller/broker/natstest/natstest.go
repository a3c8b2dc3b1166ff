// Package natstest runs a cluster of real nats-server processes (Debian's
// nats-server) with JetStream and their MQTT listeners on loopback, for
// tests of the city side on a clustered broker.
//
// Every port (clients, cluster routes, MQTT) is reserved by
// internal/servertest: the routes must be known to every node's
// configuration before it starts, and a node killed and restarted keeps its
// ports, which nobody else is given meanwhile.
package natstest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/sothutu/sothutu/internal/servertest"
)

// readyTimeout bounds the wait for a node's MQTT sessions: they live in
// JetStream, whose leader election takes seconds on a loaded machine.
const readyTimeout = 30 * time.Second

// The ports of a node, in servertest's order.
const (
	clientPort = iota
	routePort
	mqttPort
	portsPerNode
)

// Cluster is a running cluster. Its methods must be called from the test's
// goroutine.
type Cluster struct {
	t      testing.TB
	nodes  []*servertest.Server
	probes sync.WaitGroup
}

// Start runs n nodes clustered on reserved loopback ports, each with
// JetStream (MQTT needs it) and an MQTT listener, waits until every node
// takes an MQTT session (so the cluster has elected its JetStream leader),
// and stops them when the test ends.
func Start(t testing.TB, n int) *Cluster {
	t.Helper()
	bin := servertest.Program(t, "nats-server", "apt-get install -y nats-server")
	dir := t.TempDir()
	// The route ports come first: every node's configuration lists them all.
	routes := make([]int, n)
	for i := range routes {
		routes[i] = servertest.Port(t)
	}
	c := &Cluster{t: t}
	t.Cleanup(c.probes.Wait)
	for i := range n {
		name := fmt.Sprintf("n%d", i+1)
		conf := filepath.Join(dir, name+".conf")
		first := true
		node, err := servertest.Start(t, servertest.Options{Name: name, Ports: portsPerNode, Timeout: readyTimeout,
			Command: func(ports []int) (*exec.Cmd, error) {
				if first {
					ports[routePort] = routes[i] // reserved above, not by Start
					first = false
				}
				routes[i] = ports[routePort]
				var urls []string
				for _, p := range routes {
					urls = append(urls, "nats-route://127.0.0.1:"+strconv.Itoa(p))
				}
				data := fmt.Sprintf(`server_name: %s
listen: 127.0.0.1:%d
jetstream { store_dir: %q }
cluster {
  name: city
  listen: 127.0.0.1:%d
  routes: [%s]
}
mqtt { listen: 127.0.0.1:%d }
`, name, ports[clientPort], filepath.Join(dir, name+"-js"), ports[routePort], strings.Join(urls, ", "), ports[mqttPort])
				if err := os.WriteFile(conf, []byte(data), 0o600); err != nil {
					return nil, err
				}
				return exec.Command(bin, "-c", conf), nil
			},
			// The first node's MQTT sessions need the others' JetStream:
			// its start returns once it listens, and the cluster is
			// waited for below.
			Ready: func(ctx context.Context, ports []int) error {
				return servertest.Dial(ctx, "127.0.0.1:"+strconv.Itoa(ports[mqttPort]))
			},
		})
		if err != nil {
			t.Fatalf("natstest.Start: %v", err)
		}
		c.nodes = append(c.nodes, node)
	}
	for i := range c.nodes {
		if err := c.waitSession(i); err != nil {
			t.Fatalf("natstest.Start: %v", err)
		}
	}
	return c
}

// waitSession waits until node i takes an MQTT session: its port listens
// before the cluster's JetStream, which MQTT sessions live in, is ready.
// The wait ends early if the node exits.
func (c *Cluster) waitSession(i int) error {
	node := c.nodes[i]
	deadline := time.After(readyTimeout)
	var last error
	for {
		probe := make(chan error, 1)
		c.probes.Go(func() { probe <- session(c.MQTT(i)) }) // ends within its connect timeout
		select {
		case last = <-probe:
			if last == nil {
				return nil
			}
		case <-node.Exited():
			return fmt.Errorf("node %d exited; it printed:\n%s", i+1, node.Output())
		case <-deadline:
			return fmt.Errorf("node %d: no MQTT session on %s after %v: %v (log %s)", i+1, c.MQTT(i), readyTimeout, last, node.LogPath())
		}
		select {
		case <-node.Exited():
			return fmt.Errorf("node %d exited; it printed:\n%s", i+1, node.Output())
		case <-deadline:
			return fmt.Errorf("node %d: no MQTT session on %s after %v: %v (log %s)", i+1, c.MQTT(i), readyTimeout, last, node.LogPath())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// session connects an MQTT client to addr and disconnects it.
func session(addr string) error {
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("tcp://" + addr).SetClientID("natstest-probe").
		SetProtocolVersion(4).SetConnectTimeout(3 * time.Second).SetAutoReconnect(false))
	tok := c.Connect()
	if !tok.WaitTimeout(4 * time.Second) {
		return fmt.Errorf("connect %s: no answer in 4 s", addr)
	}
	if err := tok.Error(); err != nil {
		return err
	}
	c.Disconnect(0)
	return nil
}

// MQTT is node i's MQTT address, host:port.
func (c *Cluster) MQTT(i int) string { return c.nodes[i].Addr(mqttPort) }

// NATS is node i's client URL, nats://host:port.
func (c *Cluster) NATS(i int) string { return "nats://" + c.nodes[i].Addr(clientPort) }

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
	c.nodes[i].Kill()
}

// Restart starts node i again on the same ports, with its JetStream store,
// and waits until it takes an MQTT session.
func (c *Cluster) Restart(i int) {
	c.t.Helper()
	if err := c.nodes[i].Restart(); err != nil {
		c.t.Fatalf("natstest.Restart: %v", err)
	}
	if err := c.waitSession(i); err != nil {
		c.t.Fatalf("natstest.Restart: %v", err)
	}
}
