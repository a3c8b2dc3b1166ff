package broker_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/broker"
	"github.com/sothutu/sothutu/protocol"
)

func TestStartRefuses(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cases := []struct {
		name       string
		opts       broker.Options
		errAccount bool
	}{
		{name: "invalid account", opts: broker.Options{Addr: "127.0.0.1:0", Accounts: []broker.Account{ctl, {Username: "kiosk1", Password: "pw", Centre: "#", Device: "kiosk1"}}}, errAccount: true},
		{name: "username twice", opts: broker.Options{Addr: "127.0.0.1:0", Accounts: []broker.Account{ctl, ctl}}, errAccount: true},
		{name: "address in use", opts: broker.Options{Addr: busy.Addr().String(), Accounts: []broker.Account{ctl}}},
		{name: "bad address", opts: broker.Options{Addr: "127.0.0.1:http-alt-x", Accounts: []broker.Account{ctl}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Logger = slog.New(slog.DiscardHandler)
			b, err := broker.Start(tc.opts)
			if err == nil {
				b.Close()
				t.Fatalf("Start succeeded, want an error")
			}
			if got := errors.Is(err, broker.ErrAccount); got != tc.errAccount {
				t.Fatalf("Start: %v; errors.Is(err, ErrAccount) = %v, want %v", err, got, tc.errAccount)
			}
		})
	}
}

// TestClientIDs checks the embedded broker's client id rules; Mosquitto
// replaces client ids by usernames instead (see TestSessionTakeover).
func TestClientIDs(t *testing.T) {
	cases := []struct {
		user, clientID string
		ok             bool
	}{
		{"kiosk1", "kiosk1", true},
		{"kiosk1", "kiosk1-b", false},
		{"kiosk1", "Kiosk1", false},
		{"kiosk1", "", false}, // the broker would assign a random id
		{"kiosk1", "counter3", false},
		{"kiosk1", "controller", false},
		{"controller", "controller", true},
		{"controller", "controller-7f3a", true},
		{"controller", "", true},
		{"controller", "kiosk1", false},
		{"controller", "kiosk-hn", false},
	}
	addr := startEmbedded(t)
	for _, tc := range cases {
		t.Run(tc.user+" as "+tc.clientID, func(t *testing.T) {
			a := account(t, tc.user)
			c, err := dial(t, addr, dialOpts{username: a.Username, password: a.Password, clientID: tc.clientID})
			if tc.ok != (err == nil) {
				t.Fatalf("connect: %v, want accepted %v", err, tc.ok)
			}
			if c != nil {
				c.Disconnect(100)
			}
		})
	}
}

// TestQoS1Retained checks the delivery the protocol relies on: a QoS 1
// request arrives at QoS 1, and retained state reaches a late subscriber
// marked retained, then live updates unmarked.
func TestQoS1Retained(t *testing.T) {
	onEachBroker(t, func(t *testing.T, b target, addr string) {
		controller := connect(t, addr, "controller")
		controller.subscribe(t, protocol.AllRequests(hcm))
		counter := connect(t, addr, "counter3")
		counter.mustPublish(t, protocol.RequestTopic(hcm, "counter3"), 1, false, "call next")
		m := controller.await("call next", timeout)
		if m == nil {
			t.Fatalf("request not delivered in %v", timeout)
		}
		if m.Qos() != 1 {
			t.Errorf("request delivered at QoS %d, want 1", m.Qos())
		}

		controller.mustPublish(t, protocol.CounterTopic(hcm, "3"), 1, true, "serving A001")
		kiosk := connect(t, addr, "kiosk1")
		kiosk.subscribe(t, protocol.AllState(hcm))
		if m := kiosk.await("serving A001", timeout); m == nil || !m.Retained() {
			t.Fatalf("retained state: got %v, want a retained message", m)
		}
		controller.mustPublish(t, protocol.CounterTopic(hcm, "3"), 1, true, "serving A002")
		if m := kiosk.await("serving A002", timeout); m == nil || m.Retained() {
			t.Fatalf("live state: got %v, want a message not marked retained", m)
		}
	})
}

func TestCloseEndsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	b, err := broker.Start(broker.Options{Addr: "127.0.0.1:0", Accounts: accounts, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	c, err := dial(t, b.Addr(), dialOpts{username: "kiosk1", password: "k1-pw", clientID: "kiosk1"})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	c.mustPublish(t, protocol.RequestTopic(hcm, "kiosk1"), 1, false, "ticket")

	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case <-c.lost:
	case <-time.After(timeout):
		t.Fatalf("client still connected %v after Close", timeout)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if conn, err := net.DialTimeout("tcp", b.Addr(), timeout); err == nil {
		conn.Close()
		t.Fatalf("%s still accepts connections after Close", b.Addr())
	}

	// Goroutines end shortly after Close: mochi does not wait for its
	// housekeeping loop, and paho's end after the connection is lost.
	deadline := time.NewTimer(2 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for runtime.NumGoroutine() > before {
		select {
		case <-tick.C:
		case <-deadline.C:
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines after Close, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
	}
}

// startLogging starts the embedded broker logging at level into buf.
func startLogging(t *testing.T, level slog.Level) (b *broker.Embedded, buf *syncBuffer) {
	t.Helper()
	buf = &syncBuffer{}
	log := slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: level}))
	b, err := broker.Start(broker.Options{Addr: "127.0.0.1:0", Accounts: accounts, Logger: log})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return b, buf
}

// syncBuffer is a log destination safe for the broker's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogs checks that at Info the log holds the broker's own records and
// none of mochi's start, stop and connection chatter, which Debug shows.
func TestLogs(t *testing.T) {
	cases := []struct {
		level       slog.Level
		want, never []string
	}{
		{
			level: slog.LevelInfo,
			want:  []string{`msg="mqtt broker listening"`, `msg="mqtt connection refused" reason="wrong password" username=kiosk1`},
			never: []string{"mochi", "added hook", "attached listener", `msg=""`, "level=DEBUG"},
		},
		{
			level: slog.LevelDebug,
			want:  []string{`msg="mochi mqtt starting"`, `msg="mqtt client connected" username=controller`, `msg="mqtt connection refused"`},
		},
	}
	for _, tc := range cases {
		t.Run(tc.level.String(), func(t *testing.T) {
			b, buf := startLogging(t, tc.level)
			defer b.Close()
			if _, err := dial(t, b.Addr(), dialOpts{username: "kiosk1", password: "wrong", clientID: "kiosk1"}); err == nil {
				t.Fatalf("connect with a wrong password accepted")
			}
			c := connect(t, b.Addr(), "controller")
			c.Disconnect(100)
			if err := b.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			out := buf.String()
			for _, s := range tc.want {
				if !strings.Contains(out, s) {
					t.Errorf("log lacks %s:\n%s", s, out)
				}
			}
			for _, s := range tc.never {
				if strings.Contains(out, s) {
					t.Errorf("log has %s:\n%s", s, out)
				}
			}
		})
	}
}

// A device publishing thousands of messages it may not publish writes a
// few short lines to the log: one per minute at most, with no packet in it.
func TestRefusedFloodLog(t *testing.T) {
	b, buf := startLogging(t, slog.LevelInfo)
	defer b.Close()
	mon := connect(t, b.Addr(), "monitor")
	if !mon.subscribe(t, "qs/v1/"+hcm+"/#") {
		t.Fatal("monitor's subscription refused")
	}
	const flood = 10_000
	kiosk := connect(t, b.Addr(), "kiosk1")
	payload := strings.Repeat("x", 2048)
	for range flood {
		// QoS 0: refused without ending the connection.
		kiosk.Publish(protocol.RequestTopic(hcm, "counter3"), 0, false, payload)
	}
	fence := "after the flood"
	kiosk.mustPublish(t, protocol.RequestTopic(hcm, "kiosk1"), 1, false, fence)
	if mon.await(fence, timeout) == nil {
		t.Fatalf("fence not delivered in %v", timeout)
	}
	// QoS 1: refused by ending the connection, which mochi reports with
	// the packet.
	const ended = 20
	for range ended {
		c := connect(t, b.Addr(), "kiosk1")
		c.publish(t, protocol.RequestTopic(hcm, "counter3"), 1, false, payload)
		c.Disconnect(0)
	}
	sub := connect(t, b.Addr(), "counter3")
	for range 100 {
		if sub.subscribe(t, protocol.ReplyTopic(hcm, "kiosk1")) {
			t.Fatal("subscription to another device's replies granted")
		}
	}
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	out := buf.String()
	t.Logf("%d refused publishes and %d refused subscriptions: %d bytes of log", flood+ended, 100, len(out))
	if len(out) > 4096 {
		t.Errorf("log of %d bytes, want under 4 KB:\n%.4096s", len(out), out)
	}
	if strings.Contains(out, "xxxxxxxx") || strings.Contains(out, "pk=") {
		t.Errorf("log holds a packet:\n%.4096s", out)
	}
	for _, want := range []string{
		`msg="mqtt access refused" reason="not the account's to publish" topic=qs/v1/hcm01/dev/counter3/req username=kiosk1 centre=hcm01 device=kiosk1 suppressed=0`,
		`msg="mqtt access refused" reason="not the account's to read" topic=qs/v1/hcm01/dev/kiosk1/reply username=counter3`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "mqtt access refused"); n != 2 {
		t.Errorf("%d refusals logged, want 2 (the first of each device within the minute):\n%s", n, out)
	}
}
