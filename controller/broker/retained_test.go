package broker_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/sothutu/sothutu/controller/broker"
	"github.com/sothutu/sothutu/protocol"
)

// TestRetainedWhileSubscribing subscribes to a wildcard filter over and over
// while other clients publish and clear retained messages under it and
// leave retained wills, as kiosks subscribing to the state tree do while the
// controller publishes its states and devices come and go. Under -race it
// fails within seconds without the hook's retained order (mochi reads a
// topic node's retained path without the node's lock). Then a last
// subscriber must receive the last retained message of every topic and
// every will: the order loses nothing.
func TestRetainedWhileSubscribing(t *testing.T) {
	const (
		subscribers = 20
		rounds      = 10 // subscriptions per subscriber
		publishers  = 5
		publishes   = 60 // per publisher
		topicsEach  = 5  // topics per publisher
		leavers     = 4  // clients leaving a will, one after another
		willsEach   = 3
	)
	addr := startEmbedded(t)
	filter := protocol.AllState(hcm)
	topic := func(name string) string { return protocol.StatePrefix(hcm) + "x/" + name }
	// published is publisher p's k-th retained message, every seventh one
	// an empty payload that clears the topic.
	published := func(p, k int) (name, payload string) {
		name = fmt.Sprintf("p%d-%d", p, k%topicsEach)
		if k%7 == 3 {
			return name, ""
		}
		return name, fmt.Sprintf("p%d %d", p, k)
	}
	discard := func(paho.Client, paho.Message) {}

	subscribing := make([]paho.Client, subscribers)
	for i := range subscribing {
		subscribing[i] = mustDialMonitor(t, addr, monitorDial{clientID: fmt.Sprintf("sub-%d", i), handler: discard})
	}
	publishing := make([]paho.Client, publishers)
	for i := range publishing {
		publishing[i] = mustDialMonitor(t, addr, monitorDial{clientID: fmt.Sprintf("pub-%d", i), handler: discard})
	}

	// want is each topic's last retained payload once the churn is over;
	// an empty one clears the topic.
	want := make(map[string]string)
	var work sync.WaitGroup
	for i, c := range subscribing {
		work.Go(func() {
			for range rounds {
				if err := wait(c.Subscribe(filter, byte(i%2), nil)); err != nil {
					t.Errorf("sub-%d: subscribe %s: %v", i, filter, err)
					return
				}
				if err := wait(c.Unsubscribe(filter)); err != nil {
					t.Errorf("sub-%d: unsubscribe %s: %v", i, filter, err)
					return
				}
			}
		})
	}
	for p, c := range publishing {
		for k := range publishes {
			name, payload := published(p, k)
			want[topic(name)] = payload
		}
		work.Go(func() {
			for k := range publishes {
				name, payload := published(p, k)
				if err := wait(c.Publish(topic(name), 1, true, payload)); err != nil {
					t.Errorf("pub-%d: publish %s: %v", p, name, err)
					return
				}
			}
		})
	}
	for l := range leavers {
		for w := range willsEach {
			name := fmt.Sprintf("will-%d-%d", l, w)
			want[topic(name)] = name
		}
		work.Go(func() {
			for w := range willsEach {
				name := fmt.Sprintf("will-%d-%d", l, w)
				if err := leaveWill(addr, name, topic(name)); err != nil {
					t.Errorf("%s: %v", name, err)
					return
				}
			}
		})
	}
	work.Wait()
	if t.Failed() {
		return
	}

	last := &client{name: "last", notify: make(chan struct{}, 1), lost: make(chan error, 1)}
	last.Client = mustDialMonitor(t, addr, monitorDial{clientID: "last", handler: last.handle})
	last.subscribe(t, filter)
	// The wills may still be on their way: each arrives retained or live.
	for name, payload := range want {
		if payload != "" && last.await(payload, timeout) == nil {
			t.Fatalf("%s: %q not received in %v", name, payload, timeout)
		}
	}
	// The retained messages were queued before the fence. A publisher's
	// last message may also arrive live: mochi acknowledges a publish once
	// it is retained, before delivering it.
	last.mustPublish(t, topic("fence"), 1, false, "fence")
	if last.await("fence", timeout) == nil {
		t.Fatalf("fence not received in %v", timeout)
	}
	retained := make(map[string]string)
	last.mu.Lock()
	for _, m := range last.msgs {
		if !m.Retained() {
			continue
		}
		if _, twice := retained[m.Topic()]; twice {
			t.Errorf("%s: received retained twice", m.Topic())
		}
		retained[m.Topic()] = string(m.Payload())
	}
	last.mu.Unlock()
	for name, payload := range want {
		got, ok := retained[name]
		switch {
		case payload == "" && ok:
			t.Errorf("%s: received %q retained, want nothing (cleared)", name, got)
		case payload == "" || !ok && strings.HasPrefix(payload, "will-"):
			// Cleared, or a will received live.
		case got != payload:
			t.Errorf("%s: received %q retained, want %q", name, got, payload)
		}
	}
}

// TestWillNotDelayed checks that an MQTT 5 will asking for a delay is sent
// at once: mochi sends delayed wills from its own loop, outside the
// retained order, so the broker clears the delay.
func TestWillNotDelayed(t *testing.T) {
	addr := startEmbedded(t)
	watcher := &client{name: "watcher", notify: make(chan struct{}, 1), lost: make(chan error, 1)}
	watcher.Client = mustDialMonitor(t, addr, monitorDial{clientID: "watcher", handler: watcher.handle})
	willTopic := protocol.PresenceTopic(hcm, "v5-device")
	watcher.subscribe(t, willTopic)

	conn, err := dialRaw(addr, 5, packets.ConnectParams{
		ClientIdentifier: "v5-device",
		WillFlag:         true,
		WillTopic:        willTopic,
		WillPayload:      []byte("offline"),
		WillQos:          1,
		WillRetain:       true,
		// Ten minutes, far beyond the wait below.
		WillProperties: packets.Properties{WillDelayInterval: 600},
	})
	if err != nil {
		t.Fatal(err)
	}
	conn.Close() // without DISCONNECT: the will is due

	if m := watcher.await("offline", timeout); m == nil {
		t.Fatalf("will not sent in %v (delayed?)", timeout)
	}
	late := &client{name: "late", notify: make(chan struct{}, 1), lost: make(chan error, 1)}
	late.Client = mustDialMonitor(t, addr, monitorDial{clientID: "late", handler: late.handle})
	late.subscribe(t, willTopic)
	if m := late.await("offline", timeout); m == nil || !m.Retained() {
		t.Fatalf("will: got %v, want it retained", m)
	}
}

// monitorDial is a connection of the monitor account under a client id of
// its own.
type monitorDial struct {
	clientID string
	handler  paho.MessageHandler
}

func dialMonitor(addr string, d monitorDial) (paho.Client, error) {
	mon := monitor()
	opts := clientOptions(addr, d.clientID).
		SetUsername(mon.Username).
		SetPassword(mon.Password).
		SetDefaultPublishHandler(d.handler)
	c := paho.NewClient(opts)
	if err := wait(c.Connect()); err != nil {
		return nil, fmt.Errorf("%s: connect: %w", d.clientID, err)
	}
	return c, nil
}

func mustDialMonitor(t *testing.T, addr string, d monitorDial) paho.Client {
	t.Helper()
	c, err := dialMonitor(addr, d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Disconnect(100) })
	return c
}

// leaveWill connects with a retained will on topic, its payload the client
// id, and cuts the connection without DISCONNECT, as a power cut would.
func leaveWill(addr, clientID, topic string) error {
	conn, err := dialRaw(addr, 4, packets.ConnectParams{
		ClientIdentifier: clientID,
		WillFlag:         true,
		WillTopic:        topic,
		WillPayload:      []byte(clientID),
		WillQos:          1,
		WillRetain:       true,
	})
	if err != nil {
		return err
	}
	return conn.Close()
}

// dialRaw connects as the monitor with an MQTT CONNECT of the protocol
// version (4 is 3.1.1) and the params, which paho cannot send (MQTT 5) or
// which a test wants over without a client's goroutines, and reads the
// CONNACK.
func dialRaw(addr string, version byte, params packets.ConnectParams) (net.Conn, error) {
	mon := monitor()
	params.ProtocolName = []byte("MQTT")
	params.Clean = true
	params.Keepalive = 30
	params.UsernameFlag, params.Username = true, []byte(mon.Username)
	params.PasswordFlag, params.Password = true, []byte(mon.Password)
	connect := packets.Packet{
		FixedHeader:     packets.FixedHeader{Type: packets.Connect},
		ProtocolVersion: version,
		Connect:         params,
	}
	var buf bytes.Buffer
	if err := connect.ConnectEncode(&buf); err != nil {
		return nil, fmt.Errorf("%s: ConnectEncode: %w", params.ClientIdentifier, err)
	}
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, fmt.Errorf("%s: dial %s: %w", params.ClientIdentifier, addr, err)
	}
	// CONNACK: type, remaining length, flags, reason code.
	ack := make([]byte, 4)
	err = conn.SetDeadline(time.Now().Add(timeout))
	if err == nil {
		_, err = conn.Write(buf.Bytes())
	}
	if err == nil {
		_, err = io.ReadFull(conn, ack)
	}
	if err == nil && (ack[0] != packets.Connack<<4 || ack[3] != packets.CodeSuccess.Code) {
		err = fmt.Errorf("CONNACK % x, want a success", ack)
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("%s: connect: %w", params.ClientIdentifier, err)
	}
	return conn, nil
}

// monitor is the account these tests connect with, under client ids of
// their own: a controller's account may use any id but a device's.
func monitor() broker.Account {
	for _, a := range accounts {
		if a.Username == "monitor" {
			return a
		}
	}
	panic("no monitor account in the test accounts")
}

// wait waits for a token, within timeout.
func wait(tok paho.Token) error {
	if !tok.WaitTimeout(timeout) {
		return fmt.Errorf("no answer in %v", timeout)
	}
	return tok.Error()
}
