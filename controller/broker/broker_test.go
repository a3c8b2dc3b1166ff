package broker_test

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"

	"github.com/sothutu/sothutu/controller/broker"
	"github.com/sothutu/sothutu/controller/broker/mosquittotest"
	"github.com/sothutu/sothutu/protocol"
)

// Two centres. Each has a controller-like monitor account that observes and
// publishes for the tests, so that the controller account stays free to be
// tested: on Mosquitto one account has one connection at a time.
const (
	hcm = "hcm01"
	hn  = "hn02"
)

var accounts = []broker.Account{
	{Username: "controller", Password: "ctl-pw", Centre: hcm},
	{Username: "monitor", Password: "mon-pw", Centre: hcm},
	{Username: "monitor-hn", Password: "mon-hn-pw", Centre: hn},
	{Username: "kiosk1", Password: "k1-pw", Centre: hcm, Device: "kiosk1"},
	{Username: "counter3", Password: "c3-pw", Centre: hcm, Device: "counter3"},
	{Username: "kiosk-hn", Password: "khn-pw", Centre: hn, Device: "kiosk-hn"},
}

// monitorOf is the observing account of each centre.
var monitorOf = map[string]string{hcm: "monitor", hn: "monitor-hn"}

func account(t testing.TB, username string) broker.Account {
	t.Helper()
	for _, a := range accounts {
		if a.Username == username {
			return a
		}
	}
	t.Fatalf("no test account %q", username)
	return broker.Account{}
}

const (
	// timeout bounds every wait for something that must happen.
	timeout = 5 * time.Second
	// quiet is how long a refused message is awaited after a later message
	// has arrived; both brokers route in order, so it is a margin only.
	quiet = 50 * time.Millisecond
)

// target is a broker under test.
type target struct {
	name  string
	start func(t *testing.T) (addr string)
	// refusesSubscriptions: the embedded broker refuses a filter in the
	// SUBACK; Mosquitto grants it and filters deliveries.
	refusesSubscriptions bool
	// refusesClientIDs: the embedded broker refuses a device whose client
	// id is not its username; Mosquitto replaces the id by the username.
	refusesClientIDs bool
	// refusesWills: the embedded broker refuses a connection whose will
	// the account may not publish; Mosquitto drops the will when due.
	refusesWills bool
}

var targets = []target{
	{name: "embedded", start: startEmbedded, refusesSubscriptions: true, refusesClientIDs: true, refusesWills: true},
	{name: "mosquitto", start: func(t *testing.T) string { return mosquittotest.Start(t, accounts).Addr() }},
}

// onEachBroker runs test on each target in parallel, each on a broker of
// its own at addr.
func onEachBroker(t *testing.T, test func(t *testing.T, b target, addr string)) {
	for _, b := range targets {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			test(t, b, b.start(t))
		})
	}
}

func startEmbedded(t *testing.T) string {
	t.Helper()
	// Logging at Debug to io.Discard runs every log call of the broker.
	log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}))
	b, err := broker.Start(broker.Options{Addr: "127.0.0.1:0", Accounts: accounts, Logger: log})
	if err != nil {
		t.Fatalf("broker.Start: %v", err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b.Addr()
}

// client is a paho client that keeps every message it receives.
type client struct {
	paho.Client
	name string

	mu     sync.Mutex
	msgs   []paho.Message
	notify chan struct{} // signalled after each message
	lost   chan error    // the connection-lost error, if any
}

type dialOpts struct {
	username, password, clientID string
	anonymous                    bool
	will, willPayload            string        // last will
	conns                        chan net.Conn // receives the connection, for tests that cut it
}

// clientOptions are a test client's: a clean session, no retries, the
// test's timeouts.
func clientOptions(addr, clientID string) *paho.ClientOptions {
	return paho.NewClientOptions().
		AddBroker("tcp://" + addr).
		SetClientID(clientID).
		SetCleanSession(true).
		// Explicitly 3.1.1, or paho retries a refused connection as 3.1.
		SetProtocolVersion(4).
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetConnectTimeout(timeout).
		SetWriteTimeout(timeout)
}

// dial connects with the options and returns the client, or the connect
// error. The client is disconnected when the test ends.
func dial(t *testing.T, addr string, o dialOpts) (*client, error) {
	t.Helper()
	c := &client{name: o.username, notify: make(chan struct{}, 1), lost: make(chan error, 1)}
	opts := clientOptions(addr, o.clientID).
		SetKeepAlive(30 * time.Second).
		SetDefaultPublishHandler(c.handle).
		SetConnectionLostHandler(func(_ paho.Client, err error) { c.lost <- err })
	if !o.anonymous {
		opts.SetUsername(o.username).SetPassword(o.password)
	}
	if o.will != "" {
		opts.SetWill(o.will, o.willPayload, 1, false)
	}
	if o.conns != nil {
		opts.SetCustomOpenConnectionFn(func(u *url.URL, _ paho.ClientOptions) (net.Conn, error) {
			conn, err := net.DialTimeout("tcp", u.Host, timeout)
			if err == nil {
				select {
				case o.conns <- conn:
				default:
					t.Errorf("%s: a second connection", o.username)
				}
			}
			return conn, err
		})
	}
	c.Client = paho.NewClient(opts)
	tok := c.Connect()
	if !tok.WaitTimeout(timeout) {
		t.Fatalf("%s: connect: no answer in %v", o.username, timeout)
	}
	if err := tok.Error(); err != nil {
		return nil, err
	}
	t.Cleanup(func() { c.Disconnect(100) })
	return c, nil
}

// connect connects as an account, with its username as client id.
func connect(t *testing.T, addr, username string) *client {
	t.Helper()
	a := account(t, username)
	c, err := dial(t, addr, dialOpts{username: a.Username, password: a.Password, clientID: a.Username})
	if err != nil {
		t.Fatalf("%s: connect: %v", username, err)
	}
	return c
}

func (c *client) handle(_ paho.Client, m paho.Message) {
	c.mu.Lock()
	c.msgs = append(c.msgs, m)
	c.mu.Unlock()
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

func (c *client) find(payload string) paho.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.msgs {
		if string(m.Payload()) == payload {
			return m
		}
	}
	return nil
}

// await returns the message with the payload once it has arrived, or nil
// after d.
func (c *client) await(payload string, d time.Duration) paho.Message {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		if m := c.find(payload); m != nil {
			return m
		}
		select {
		case <-c.notify:
		case <-timer.C:
			return c.find(payload)
		}
	}
}

func (c *client) subscribe(t *testing.T, filter string) (granted bool) {
	t.Helper()
	tok := c.Subscribe(filter, 1, nil)
	if !tok.WaitTimeout(timeout) {
		t.Fatalf("%s: subscribe %s: no SUBACK in %v", c.name, filter, timeout)
	}
	if err := tok.Error(); err != nil {
		t.Fatalf("%s: subscribe %s: %v", c.name, filter, err)
	}
	// MQTT 3.1.1 return codes: 0 to 2 the QoS granted, 0x80 failure.
	return tok.(*paho.SubscribeToken).Result()[filter] < 0x80
}

// publish publishes and waits for the broker's acknowledgement (QoS 1) or
// for the write (QoS 0), returning the error.
func (c *client) publish(t *testing.T, topic string, qos byte, retained bool, payload string) error {
	t.Helper()
	tok := c.Publish(topic, qos, retained, payload)
	if !tok.WaitTimeout(timeout) {
		t.Fatalf("%s: publish %s: not acknowledged in %v", c.name, topic, timeout)
	}
	return tok.Error()
}

func (c *client) mustPublish(t *testing.T, topic string, qos byte, retained bool, payload string) {
	t.Helper()
	if err := c.publish(t, topic, qos, retained, payload); err != nil {
		t.Fatalf("%s: publish %s: %v", c.name, topic, err)
	}
}

// monitors connects each centre's monitor, subscribed to the centre's tree.
func monitors(t *testing.T, addr string) map[string]*client {
	t.Helper()
	m := make(map[string]*client)
	for centre, username := range monitorOf {
		c := connect(t, addr, username)
		if filter := "qs/v1/" + centre + "/#"; !c.subscribe(t, filter) {
			t.Fatalf("%s: subscription to %s refused", username, filter)
		}
		m[centre] = c
	}
	return m
}

// centreOf is the centre level of a protocol topic.
func centreOf(topic string) string { return strings.Split(topic, "/")[2] }

// writable is a topic the account may publish, for fences.
func writable(a broker.Account) string {
	if a.Device != "" {
		return protocol.RequestTopic(a.Centre, a.Device)
	}
	return protocol.ControllerTopic(a.Centre)
}

// readable is a topic the account may read, for fences.
func readable(a broker.Account) string {
	if a.Device != "" {
		return protocol.ReplyTopic(a.Centre, a.Device)
	}
	return protocol.ControllerTopic(a.Centre)
}

func TestAuthentication(t *testing.T) {
	cases := []struct {
		name string
		o    dialOpts
		ok   bool
	}{
		{name: "device", o: dialOpts{username: "kiosk1", password: "k1-pw", clientID: "kiosk1"}, ok: true},
		{name: "controller", o: dialOpts{username: "controller", password: "ctl-pw", clientID: "controller"}, ok: true},
		{name: "anonymous", o: dialOpts{anonymous: true, clientID: "kiosk1"}},
		{name: "unknown username", o: dialOpts{username: "kiosk7", password: "k1-pw", clientID: "kiosk7"}},
		{name: "wrong password", o: dialOpts{username: "kiosk1", password: "k1-pW", clientID: "kiosk1"}},
		{name: "password prefix", o: dialOpts{username: "kiosk1", password: "k1-", clientID: "kiosk1"}},
		{name: "empty password", o: dialOpts{username: "kiosk1", clientID: "kiosk1"}},
		{name: "another account's password", o: dialOpts{username: "kiosk1", password: "c3-pw", clientID: "kiosk1"}},
		{name: "controller with a device's password", o: dialOpts{username: "controller", password: "k1-pw", clientID: "controller"}},
	}
	onEachBroker(t, func(t *testing.T, b target, addr string) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c, err := dial(t, addr, tc.o)
				if tc.ok {
					if err != nil {
						t.Fatalf("connect: %v, want accepted", err)
					}
					c.Disconnect(100)
					return
				}
				if !errors.Is(err, packets.ErrorRefusedNotAuthorised) && !errors.Is(err, packets.ErrorRefusedBadUsernameOrPassword) {
					t.Fatalf("connect: %v, want refused as not authorised or bad username or password", err)
				}
			})
		}
	})
}

func TestPublishAccess(t *testing.T) {
	cases := []struct {
		name  string
		user  string
		topic string
		qos   byte
		want  bool
	}{
		{name: "device request", user: "kiosk1", topic: protocol.RequestTopic(hcm, "kiosk1"), qos: 1, want: true},
		{name: "device request qos 0", user: "kiosk1", topic: protocol.RequestTopic(hcm, "kiosk1"), qos: 0, want: true},
		{name: "device presence", user: "kiosk1", topic: protocol.PresenceTopic(hcm, "kiosk1"), qos: 1, want: true},
		{name: "other device's request", user: "kiosk1", topic: protocol.RequestTopic(hcm, "counter3"), qos: 1},
		{name: "other device's request qos 0", user: "kiosk1", topic: protocol.RequestTopic(hcm, "counter3"), qos: 0},
		{name: "other device's presence", user: "kiosk1", topic: protocol.PresenceTopic(hcm, "counter3"), qos: 1},
		{name: "own reply", user: "kiosk1", topic: protocol.ReplyTopic(hcm, "kiosk1"), qos: 1},
		{name: "own reply qos 0", user: "kiosk1", topic: protocol.ReplyTopic(hcm, "kiosk1"), qos: 0},
		{name: "other device's reply", user: "kiosk1", topic: protocol.ReplyTopic(hcm, "counter3"), qos: 1},
		{name: "counter state", user: "counter3", topic: protocol.CounterTopic(hcm, "3"), qos: 1},
		{name: "board", user: "kiosk1", topic: protocol.BoardTopic(hcm), qos: 1},
		{name: "controller status", user: "kiosk1", topic: protocol.ControllerTopic(hcm), qos: 1},
		{name: "call event", user: "counter3", topic: protocol.CallTopic(hcm), qos: 1},
		{name: "unknown level under own prefix", user: "kiosk1", topic: protocol.DevicePrefix(hcm, "kiosk1") + "debug", qos: 1},
		{name: "same device id in another centre", user: "kiosk1", topic: protocol.RequestTopic(hn, "kiosk1"), qos: 1},
		{name: "other centre's device", user: "kiosk1", topic: protocol.RequestTopic(hn, "kiosk-hn"), qos: 1},
		{name: "controller reply", user: "controller", topic: protocol.ReplyTopic(hcm, "kiosk1"), qos: 1, want: true},
		{name: "controller counter state", user: "controller", topic: protocol.CounterTopic(hcm, "3"), qos: 1, want: true},
		{name: "controller call event", user: "controller", topic: protocol.CallTopic(hcm), qos: 1, want: true},
		{name: "controller in another centre", user: "controller", topic: protocol.ReplyTopic(hn, "kiosk-hn"), qos: 1},
		{name: "controller in another centre qos 0", user: "controller", topic: protocol.CounterTopic(hn, "1"), qos: 0},
	}
	onEachBroker(t, func(t *testing.T, b target, addr string) {
		mon := monitors(t, addr)
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				a := account(t, tc.user)
				pub := connect(t, addr, tc.user)
				payload := fmt.Sprintf("publish %d %s", i, tc.name)
				err := pub.publish(t, tc.topic, tc.qos, false, payload)
				obs := mon[centreOf(tc.topic)]
				if tc.want {
					if err != nil {
						t.Fatalf("publish: %v", err)
					}
					if obs.await(payload, timeout) == nil {
						t.Fatalf("%s on %s not delivered in %v", tc.user, tc.topic, timeout)
					}
					return
				}
				// Refused. A fence published after the refused
				// message arrives after it would have: from the same
				// connection, or from the monitor's once the embedded
				// broker has ended the publisher's for a QoS 1 publish.
				fence := payload + " fence"
				fencer, fenceTopic := pub, writable(a)
				if err != nil || !pub.IsConnectionOpen() {
					fencer, fenceTopic = obs, protocol.ControllerTopic(centreOf(tc.topic))
				}
				fencer.mustPublish(t, fenceTopic, 1, false, fence)
				if mon[centreOf(fenceTopic)].await(fence, timeout) == nil {
					t.Fatalf("fence on %s not delivered in %v", fenceTopic, timeout)
				}
				if m := obs.await(payload, quiet); m != nil {
					t.Fatalf("%s published on %s, want refused", tc.user, m.Topic())
				}
			})
		}
	})
}

func TestSubscribeAccess(t *testing.T) {
	cases := []struct {
		name   string
		user   string
		filter string
		topic  string // published by the topic's centre monitor
		// retained: the message is retained and published before the
		// subscription, else published after it.
		retained bool
		want     bool
	}{
		{name: "all state", user: "kiosk1", filter: protocol.AllState(hcm), topic: protocol.CounterTopic(hcm, "1"), want: true},
		{name: "retained counter state", user: "kiosk1", filter: protocol.AllState(hcm), topic: protocol.CounterTopic(hcm, "2"), retained: true, want: true},
		{name: "retained board", user: "counter3", filter: protocol.BoardTopic(hcm), topic: protocol.BoardTopic(hcm), retained: true, want: true},
		{name: "counters", user: "kiosk1", filter: "qs/v1/hcm01/state/counter/+", topic: protocol.CounterTopic(hcm, "1"), want: true},
		{name: "call event", user: "kiosk1", filter: protocol.CallTopic(hcm), topic: protocol.CallTopic(hcm), want: true},
		{name: "all events", user: "kiosk1", filter: protocol.EventPrefix(hcm) + "#", topic: protocol.CallTopic(hcm), want: true},
		{name: "own reply", user: "kiosk1", filter: protocol.ReplyTopic(hcm, "kiosk1"), topic: protocol.ReplyTopic(hcm, "kiosk1"), want: true},
		{name: "own retained presence", user: "kiosk1", filter: protocol.PresenceTopic(hcm, "kiosk1"), topic: protocol.PresenceTopic(hcm, "kiosk1"), retained: true, want: true},
		{name: "centre tree", user: "kiosk1", filter: "qs/v1/hcm01/#", topic: protocol.ReplyTopic(hcm, "counter3")},
		{name: "everything", user: "kiosk1", filter: "#", topic: protocol.ReplyTopic(hcm, "counter3")},
		{name: "every reply", user: "kiosk1", filter: "qs/v1/hcm01/dev/+/reply", topic: protocol.ReplyTopic(hcm, "counter3")},
		{name: "other device's reply", user: "kiosk1", filter: protocol.ReplyTopic(hcm, "counter3"), topic: protocol.ReplyTopic(hcm, "counter3")},
		{name: "all own device topics", user: "kiosk1", filter: protocol.DevicePrefix(hcm, "kiosk1") + "+", topic: protocol.RequestTopic(hcm, "kiosk1")},
		{name: "own requests", user: "kiosk1", filter: protocol.RequestTopic(hcm, "kiosk1"), topic: protocol.RequestTopic(hcm, "kiosk1")},
		{name: "all requests", user: "counter3", filter: protocol.AllRequests(hcm), topic: protocol.RequestTopic(hcm, "kiosk1")},
		{name: "other device's retained presence", user: "kiosk1", filter: protocol.AllPresence(hcm), topic: protocol.PresenceTopic(hcm, "counter3"), retained: true},
		{name: "other centre's state", user: "kiosk1", filter: protocol.AllState(hn), topic: protocol.CounterTopic(hn, "1")},
		{name: "other centre's retained state", user: "kiosk1", filter: protocol.AllState(hn), topic: protocol.CounterTopic(hn, "2"), retained: true},
		{name: "any centre's state", user: "kiosk1", filter: "qs/v1/+/state/#", topic: protocol.CounterTopic(hn, "1")},
		{name: "controller requests", user: "controller", filter: protocol.AllRequests(hcm), topic: protocol.RequestTopic(hcm, "kiosk1"), want: true},
		{name: "controller presence", user: "controller", filter: protocol.AllPresence(hcm), topic: protocol.PresenceTopic(hcm, "kiosk1"), retained: true, want: true},
		{name: "controller own tree", user: "controller", filter: "qs/v1/hcm01/#", topic: protocol.ReplyTopic(hcm, "counter3"), want: true},
		{name: "controller other centre", user: "controller", filter: "qs/v1/hn02/#", topic: protocol.ReplyTopic(hn, "kiosk-hn")},
		{name: "controller everything", user: "controller", filter: "#", topic: protocol.ReplyTopic(hn, "kiosk-hn")},
	}
	onEachBroker(t, func(t *testing.T, b target, addr string) {
		mon := monitors(t, addr)
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				a := account(t, tc.user)
				payload := fmt.Sprintf("subscribe %d %s", i, tc.name)
				src := mon[centreOf(tc.topic)]
				if tc.retained {
					src.mustPublish(t, tc.topic, 1, true, payload)
					// The broker may acknowledge a publish before it has
					// stored and fanned it out; the acknowledgement of a
					// second one from the same connection comes after.
					src.mustPublish(t, tc.topic, 1, false, payload+" stored")
				}
				sub := connect(t, addr, tc.user)
				if !sub.subscribe(t, readable(a)) {
					t.Fatalf("subscription to own %s refused", readable(a))
				}
				granted := sub.subscribe(t, tc.filter)
				if tc.want && !granted {
					t.Fatalf("subscription to %s refused, want granted", tc.filter)
				}
				if !tc.want && granted && b.refusesSubscriptions {
					t.Errorf("subscription to %s granted, want refused", tc.filter)
				}
				if !tc.retained {
					src.mustPublish(t, tc.topic, 1, false, payload)
				}
				if tc.want {
					m := sub.await(payload, timeout)
					if m == nil {
						t.Fatalf("%s not delivered through %s in %v", tc.topic, tc.filter, timeout)
					}
					if m.Retained() != tc.retained {
						t.Errorf("retained flag %v, want %v", m.Retained(), tc.retained)
					}
					return
				}
				// A fence from the subscriber's centre monitor; from the
				// same connection as the message in the same centre.
				fence := payload + " fence"
				mon[a.Centre].mustPublish(t, readable(a), 1, false, fence)
				if sub.await(fence, timeout) == nil {
					t.Fatalf("fence on %s not delivered in %v", readable(a), timeout)
				}
				if m := sub.await(payload, quiet); m != nil {
					t.Fatalf("%s received %s through %s, want nothing", tc.user, m.Topic(), tc.filter)
				}
			})
		}
	})
}

func TestLastWill(t *testing.T) {
	cases := []struct {
		name string
		user string
		will string
		want bool // will delivered when the connection drops
	}{
		{name: "own presence", user: "kiosk1", will: protocol.PresenceTopic(hcm, "kiosk1"), want: true},
		{name: "controller status", user: "controller", will: protocol.ControllerTopic(hcm), want: true},
		{name: "other device's presence", user: "kiosk1", will: protocol.PresenceTopic(hcm, "counter3")},
		{name: "own reply", user: "kiosk1", will: protocol.ReplyTopic(hcm, "kiosk1")},
		{name: "controller status from a device", user: "counter3", will: protocol.ControllerTopic(hcm)},
		{name: "other centre", user: "controller", will: protocol.ControllerTopic(hn)},
	}
	onEachBroker(t, func(t *testing.T, b target, addr string) {
		mon := monitors(t, addr)
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				a := account(t, tc.user)
				payload := fmt.Sprintf("will %d %s", i, tc.name)
				o := dialOpts{username: a.Username, password: a.Password, clientID: a.Username,
					will: tc.will, willPayload: payload, conns: make(chan net.Conn, 1)}
				_, err := dial(t, addr, o)
				if err != nil {
					if tc.want || !errors.Is(err, packets.ErrorRefusedNotAuthorised) && !errors.Is(err, packets.ErrorRefusedBadUsernameOrPassword) {
						t.Fatalf("connect with will on %s: %v", tc.will, err)
					}
					return
				}
				if !tc.want && b.refusesWills {
					t.Fatalf("connect with will on %s accepted, want refused", tc.will)
				}
				// Cut the connection without DISCONNECT, as a power cut would.
				(<-o.conns).Close()
				obs := mon[centreOf(tc.will)]
				if tc.want {
					if obs.await(payload, timeout) == nil {
						t.Fatalf("will on %s not delivered in %v", tc.will, timeout)
					}
					return
				}
				// Once a successor has connected with the same client id,
				// the broker has dealt with the old connection's will:
				// on the cut if it noticed it, else on the takeover.
				connect(t, addr, tc.user)
				fence := payload + " fence"
				obs.mustPublish(t, protocol.ControllerTopic(centreOf(tc.will)), 1, false, fence)
				if obs.await(fence, timeout) == nil {
					t.Fatalf("fence not delivered in %v", timeout)
				}
				if m := obs.await(payload, quiet); m != nil {
					t.Fatalf("will published on %s, want dropped", m.Topic())
				}
			})
		}
	})
}

// TestSessionTakeover checks that an account cannot take over a connected
// device's or controller's session by using its client id. The embedded
// broker refuses the connection; Mosquitto accepts it under the intruder's
// own username.
func TestSessionTakeover(t *testing.T) {
	cases := []struct {
		name, victim, intruder string
	}{
		{name: "device takes device's id", victim: "kiosk1", intruder: "counter3"},
		{name: "device takes controller's id", victim: "controller", intruder: "kiosk1"},
		{name: "other centre's device", victim: "kiosk1", intruder: "kiosk-hn"},
	}
	onEachBroker(t, func(t *testing.T, b target, addr string) {
		mon := monitors(t, addr)
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				victim := connect(t, addr, tc.victim)
				in := account(t, tc.intruder)
				_, err := dial(t, addr, dialOpts{username: in.Username, password: in.Password, clientID: tc.victim})
				if b.refusesClientIDs && err == nil {
					t.Errorf("%s connected with client id %s, want refused", tc.intruder, tc.victim)
				}
				// The victim's connection still works.
				va := account(t, tc.victim)
				payload := fmt.Sprintf("takeover %d", i)
				if err := victim.publish(t, writable(va), 1, false, payload); err != nil {
					t.Fatalf("victim publish: %v", err)
				}
				if mon[va.Centre].await(payload, timeout) == nil {
					t.Fatalf("victim's publish not delivered in %v", timeout)
				}
				select {
				case err := <-victim.lost:
					t.Fatalf("victim lost its connection: %v", err)
				default:
				}
			})
		}
	})
}

// TestReconnect reconnects a device many times in a row, half the time after
// a DISCONNECT and half the time taking over its own open session, as a
// device does that finds its connection dead before the broker does. Every
// new connection must receive its replies.
func TestReconnect(t *testing.T) {
	const rounds = 200
	onEachBroker(t, func(t *testing.T, b target, addr string) {
		mon := monitors(t, addr)
		var prev *client
		for i := range rounds {
			if prev != nil && i%2 == 0 {
				prev.Disconnect(100)
			}
			c := connect(t, addr, "kiosk1")
			if !c.subscribe(t, protocol.ReplyTopic(hcm, "kiosk1")) {
				t.Fatalf("round %d: subscription refused", i)
			}
			payload := fmt.Sprintf("reply %d", i)
			mon[hcm].mustPublish(t, protocol.ReplyTopic(hcm, "kiosk1"), 1, false, payload)
			if c.await(payload, timeout) == nil {
				t.Fatalf("round %d: reply not delivered in %v", i, timeout)
			}
			prev = c
		}
	})
}
