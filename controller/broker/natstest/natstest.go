// Package natstest runs a cluster of real nats-server processes (Debian's
// nats-server) with JetStream and their MQTT listeners on loopback, for
// tests of the city side on a clustered broker.
//
// Every port (clients, cluster routes, MQTT, monitoring) is reserved by
// internal/servertest: the routes must be known to every node's
// configuration before it starts, and a node killed and restarted keeps its
// ports, which nobody else is given meanwhile.
//
// A cluster's start takes seconds (JetStream elects its leader and sets up
// the replicated streams MQTT keeps its sessions in), so Start's cluster,
// one per test, is for a test that runs once; Shared's is started once for
// the test process and handed to each test (and each -count run) with
// every node up. The JetStream stores are on tmpfs (/dev/shm) where there
// is one. A node is asked for an MQTT session only once it is routed to
// the others and knows the JetStream leader: asked earlier it stalls 4 s.
package natstest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
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
	monitorPort
	portsPerNode
)

// Cluster is a running cluster. Its methods must be called from the test's
// goroutine.
type Cluster struct {
	nodes  []*servertest.Server
	probes sync.WaitGroup
	dir    string // a shared cluster's folder, removed by CloseShared
	store  string // and its JetStream stores' folder
}

// storeDir makes a folder for the nodes' JetStream stores in /dev/shm
// where there is one: on a busy disk the stores' writes make JetStream's
// start, and the MQTT sessions' and QoS 1 subscriptions' streams, seconds
// slower. Elsewhere it is in the temporary folder.
func storeDir() (string, error) {
	root := ""
	if info, err := os.Stat("/dev/shm"); err == nil && info.IsDir() {
		root = "/dev/shm"
	}
	dir, err := os.MkdirTemp(root, "natstest-jetstream-")
	if err != nil && root != "" {
		dir, err = os.MkdirTemp("", "natstest-jetstream-")
	}
	if err != nil {
		return "", fmt.Errorf("natstest: a folder for JetStream: %w", err)
	}
	return dir, nil
}

// Start runs n nodes clustered on reserved loopback ports, each with
// JetStream (MQTT needs it) and an MQTT listener, waits until every node
// takes an MQTT session (so the cluster has elected its JetStream leader),
// and stops them when the test ends.
func Start(t testing.TB, n int) *Cluster {
	t.Helper()
	bin := servertest.Program(t, "nats-server", install)
	c := &Cluster{}
	t.Cleanup(c.probes.Wait)
	store, err := storeDir()
	if err != nil {
		t.Fatalf("natstest.Start: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(store) }) // after the nodes end
	err = c.start(bin, n, t.TempDir(), store, func(opts servertest.Options) (*servertest.Server, error) {
		return servertest.Start(t, opts)
	})
	if err != nil {
		t.Fatalf("natstest.Start: %v", err)
	}
	return c
}

const install = "apt-get install -y nats-server"

// The test process's shared clusters by name, each made by the first
// call of Shared with its name.
var shared struct {
	sync.Mutex
	clusters map[string]*sharedCluster
}

type sharedCluster struct {
	sync.Mutex // held while it starts, so that other names' start meanwhile
	cluster    *Cluster
}

// Shared is Start for the rest of the test process: the first call with a
// name starts its cluster, the later ones (other tests, the -count runs of
// one) get the same, since a start takes seconds of JetStream's setting
// up. Tests that run in parallel, each killing nodes, use a cluster of
// their own name. Each test gets it with every node up, whatever the test
// before it left killed, and keeps apart from the others what it sends
// (its own client ids and topics). A failed test logs what the nodes
// printed since they were last started. TestMain ends them with
// CloseShared.
func Shared(t testing.TB, name string, n int) *Cluster {
	t.Helper()
	bin := servertest.Program(t, "nats-server", install)
	shared.Lock()
	if shared.clusters == nil {
		shared.clusters = map[string]*sharedCluster{}
	}
	entry := shared.clusters[name]
	if entry == nil {
		entry = &sharedCluster{}
		shared.clusters[name] = entry
	}
	shared.Unlock()

	entry.Lock()
	defer entry.Unlock()
	if entry.cluster == nil {
		dir, err := os.MkdirTemp("", "natstest-")
		if err != nil {
			t.Fatalf("natstest.Shared: %v", err)
		}
		store, err := storeDir()
		if err != nil {
			_ = os.RemoveAll(dir)
			t.Fatalf("natstest.Shared: %v", err)
		}
		c := &Cluster{dir: dir, store: store}
		err = c.start(bin, n, dir, store, func(opts servertest.Options) (*servertest.Server, error) {
			return servertest.Launch(opts, dir)
		})
		if err != nil {
			c.close()
			t.Fatalf("natstest.Shared %s: %v", name, err)
		}
		entry.cluster = c
	}
	c := entry.cluster
	if len(c.nodes) != n {
		t.Fatalf("natstest.Shared %s: %d nodes asked for, the shared cluster has %d", name, n, len(c.nodes))
	}
	for i, node := range c.nodes {
		select {
		case <-node.Exited():
			if err := c.Restart(i); err != nil {
				t.Fatalf("natstest.Shared %s: %v", name, err)
			}
		default:
		}
	}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for i, node := range c.nodes {
			t.Logf("node %d's log since its last start (%s):\n%s", i+1, node.LogPath(), node.Output())
		}
	})
	return c
}

// CloseShared ends the shared clusters Shared started and removes their
// folders: call it in TestMain after m.Run.
func CloseShared() {
	shared.Lock()
	defer shared.Unlock()
	for name, entry := range shared.clusters {
		entry.Lock()
		if entry.cluster != nil {
			entry.cluster.close()
		}
		entry.Unlock()
		delete(shared.clusters, name)
	}
}

func (c *Cluster) close() {
	for _, node := range c.nodes {
		node.Close()
	}
	c.probes.Wait()
	for _, dir := range []string{c.dir, c.store} {
		if dir != "" {
			_ = os.RemoveAll(dir)
		}
	}
}

// start runs n nodes with startNode, their configurations in dir and
// their JetStream stores in store, and waits for their JetStream and MQTT
// sessions.
func (c *Cluster) start(bin string, n int, dir, store string, startNode func(servertest.Options) (*servertest.Server, error)) error {
	// The route ports come first: every node's configuration lists them all.
	routes := make([]int, n)
	for i := range routes {
		var err error
		if routes[i], err = servertest.Reserve(); err != nil {
			return err
		}
	}
	for i := range n {
		name := fmt.Sprintf("n%d", i+1)
		conf := filepath.Join(dir, name+".conf")
		first := true
		node, err := startNode(servertest.Options{Name: name, Ports: portsPerNode, Timeout: readyTimeout,
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
http: 127.0.0.1:%d
`, name, ports[clientPort], filepath.Join(store, name), ports[routePort], strings.Join(urls, ", "), ports[mqttPort], ports[monitorPort])
				if err := os.WriteFile(conf, []byte(data), 0o600); err != nil {
					return nil, err
				}
				cmd := exec.Command(bin, "-c", conf)
				// nats-server 2.9.10 at times writes a deleted consumer's
				// meta.inf to its working folder: the cluster's, not the
				// test's source folder.
				cmd.Dir = dir
				return cmd, nil
			},
			// The first node's MQTT sessions need the others' JetStream:
			// its start returns once it listens, and the cluster is
			// waited for below.
			Ready: func(ctx context.Context, ports []int) error {
				return servertest.Dial(ctx, "127.0.0.1:"+strconv.Itoa(ports[mqttPort]))
			},
		})
		if err != nil {
			return err
		}
		c.nodes = append(c.nodes, node)
	}
	for i := range c.nodes {
		if err := c.waitJetStream(i); err != nil {
			return err
		}
		if err := c.waitSession(i); err != nil {
			return err
		}
	}
	return nil
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

// waitJetStream waits until node i is routed to every other node and
// knows the cluster's JetStream metadata leader, as its monitoring port
// tells. An MQTT session asked for before then makes the node wait 4 s for
// a JetStream request (the sessions' stream at the cluster's start, its
// old consumers' removal at a node's restart), then refuse the session:
// asking after it saves those seconds.
func (c *Cluster) waitJetStream(i int) error {
	node := c.nodes[i]
	deadline := time.After(readyTimeout)
	var last error
	for {
		if last = c.routedToLeader(i); last == nil {
			return nil
		}
		select {
		case <-node.Exited():
			return fmt.Errorf("node %d exited; it printed:\n%s", i+1, node.Output())
		case <-deadline:
			return fmt.Errorf("node %d: %v after %v (log %s)", i+1, last, readyTimeout, node.LogPath())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// routedToLeader returns nil once node i has its routes to the others and
// a JetStream metadata leader.
func (c *Cluster) routedToLeader(i int) error {
	var routes struct {
		Routes int `json:"num_routes"`
	}
	if err := c.monitor(i, "routez", &routes); err != nil {
		return err
	}
	if routes.Routes < len(c.nodes)-1 {
		return fmt.Errorf("%d routes of %d", routes.Routes, len(c.nodes)-1)
	}
	var jetStream struct {
		Meta struct {
			Leader string `json:"leader"`
		} `json:"meta_cluster"`
	}
	if err := c.monitor(i, "jsz", &jetStream); err != nil {
		return err
	}
	if jetStream.Meta.Leader == "" {
		return errors.New("no JetStream metadata leader")
	}
	return nil
}

// monitorClient keeps no connection open between requests: a shared
// cluster outlives the tests that use it, and their goroutine checks.
var monitorClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

// monitor reads node i's monitoring page into v.
func (c *Cluster) monitor(i int, page string, v any) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	url := "http://" + c.nodes[i].Addr(monitorPort) + "/" + page
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("http.NewRequest: %w", err)
	}
	resp, err := monitorClient.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("GET %s: decode: %w", url, err)
	}
	return nil
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
func (c *Cluster) Kill(i int) { c.nodes[i].Kill() }

// Restart starts node i again on the same ports, with its JetStream store,
// and waits until it takes an MQTT session: Relaunch, then WaitReady.
func (c *Cluster) Restart(i int) error {
	if err := c.Relaunch(i); err != nil {
		return err
	}
	return c.WaitReady(i)
}

// Relaunch starts node i again on the same ports, with its JetStream store,
// and returns once they listen: the node then catches up with the others
// while the test goes on.
func (c *Cluster) Relaunch(i int) error {
	if err := c.nodes[i].Restart(); err != nil {
		return fmt.Errorf("natstest.Cluster.Relaunch: %w", err)
	}
	return nil
}

// WaitReady waits until node i is routed to the others, knows the
// JetStream leader and takes an MQTT session.
func (c *Cluster) WaitReady(i int) error {
	if err := c.waitJetStream(i); err != nil {
		return fmt.Errorf("natstest.Cluster.WaitReady: %w", err)
	}
	if err := c.waitSession(i); err != nil {
		return fmt.Errorf("natstest.Cluster.WaitReady: %w", err)
	}
	return nil
}
