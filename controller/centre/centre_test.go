package centre_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/sothutu/sothutu/controller/broker"
	"github.com/sothutu/sothutu/controller/broker/mosquittotest"
	"github.com/sothutu/sothutu/controller/centre"
	"github.com/sothutu/sothutu/controller/centre/centretest"
	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/controller/store"
	"github.com/sothutu/sothutu/firmware/link"
	"github.com/sothutu/sothutu/protocol"
	"github.com/sothutu/sothutu/protocol/prototest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// brokers are the brokers every integration test runs against: the
// embedded one and a real Mosquitto.
var brokers = []struct {
	name  string
	start func(t testing.TB, accounts []broker.Account) string
}{
	{"embedded", func(t testing.TB, accounts []broker.Account) string {
		b, err := broker.Start(broker.Options{Addr: "127.0.0.1:0", Accounts: accounts, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return "tcp://" + b.Addr()
	}},
	{"mosquitto", func(t testing.TB, accounts []broker.Account) string {
		return "tcp://" + mosquittotest.Start(t, accounts).Addr()
	}},
}

type centreUnderTest struct {
	cfg *config.Centre
	url string
	ctl *centre.Controller
	st  *store.Store
	dir string
}

// rawBroker starts a broker with the example centre's accounts and no
// controller.
func rawBroker(t testing.TB, startBroker func(testing.TB, []broker.Account) string) *centreUnderTest {
	t.Helper()
	cfg, err := config.Parse("example.yaml", config.Example())
	if err != nil {
		t.Fatal(err)
	}
	return &centreUnderTest{cfg: cfg, url: startBroker(t, centre.Accounts(cfg)), dir: t.TempDir()}
}

// startCentre runs the example centre's controller against a broker.
func startCentre(t testing.TB, startBroker func(testing.TB, []broker.Account) string, options ...func(*centre.Options)) *centreUnderTest {
	t.Helper()
	c := rawBroker(t, startBroker)
	cfg, url, dir := c.cfg, c.url, c.dir
	st, err := store.Open(filepath.Join(dir, "centre.db"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	opts := centre.Options{Centre: cfg, Store: st, Broker: url, Logger: quiet}
	for _, o := range options {
		o(&opts)
	}
	ctl, err := centre.New(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- ctl.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("controller Run: %v", err)
		}
		st.Close()
	})
	c.ctl, c.st = ctl, st
	c.waitOnline(t)
	return c
}

// waitOnline waits for the controller's retained "online", which it
// publishes once it hears requests.
func (c *centreUnderTest) waitOnline(t testing.TB) {
	t.Helper()
	d, _ := c.cfg.Device("board-1")
	probe := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(c.url).SetClientID(d.ID).
		SetUsername(d.ID).SetPassword(d.Password))
	if tok := probe.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer probe.Disconnect(0)
	within(t, "controller online", subscribe(t, probe, protocol.ControllerTopic(c.cfg.ID)), func(b []byte) bool {
		s, err := protocol.Decode[protocol.ControllerState](b)
		return err == nil && s.Online
	})
}

// device starts a device link for id.
func (c *centreUnderTest) device(t testing.TB, id string) *link.Link {
	t.Helper()
	return centretest.Device(t, c.cfg, c.url, c.dir, id, quiet)
}

// client connects a raw MQTT client with a device's credentials.
func (c *centreUnderTest) client(t testing.TB, id string) mqtt.Client {
	t.Helper()
	d, _ := c.cfg.Device(id)
	cl := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(c.url).SetClientID(id).
		SetUsername(id).SetPassword(d.Password).SetOrderMatters(false))
	if tok := cl.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("connect %s: %v", id, tok.Error())
	}
	t.Cleanup(func() { cl.Disconnect(100) })
	return cl
}

func subscribe(t testing.TB, cl mqtt.Client, topic string) <-chan []byte {
	t.Helper()
	ch := make(chan []byte, 100)
	tok := cl.Subscribe(topic, 1, func(_ mqtt.Client, m mqtt.Message) { ch <- m.Payload() })
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe %s: %v", topic, tok.Error())
	}
	return ch
}

func within(t testing.TB, what string, ch <-chan []byte, ok func([]byte) bool) {
	t.Helper()
	withinTicks(t, what, ch, nil, 0, ok)
}

// A citizen takes a ticket at a kiosk, a counter calls next, and the hall
// board sees the call: through the real protocol over each broker.
func TestTicketToCall(t *testing.T) {
	for _, b := range brokers {
		t.Run(b.name, func(t *testing.T) {
			c := startCentre(t, b.start)
			board := c.client(t, "board-1")
			calls := subscribe(t, board, protocol.CallTopic(c.cfg.ID))
			boardState := subscribe(t, board, protocol.BoardTopic(c.cfg.ID))
			counterState := subscribe(t, board, protocol.CounterTopic(c.cfg.ID, "1"))

			kiosk, counter := c.device(t, "kiosk-1"), c.device(t, "counter-1")
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			r, err := kiosk.Request(ctx, protocol.Request{Op: protocol.OpTicket, Service: "A", Lang: "vi"})
			if err != nil || !r.OK {
				t.Fatalf("ticket: %+v, %v", r, err)
			}
			if r.Ticket.Number != "A001" || r.Ticket.Token == "" || r.Ticket.Day == "" {
				t.Errorf("ticket %+v", r.Ticket)
			}
			r, err = counter.Request(ctx, protocol.Request{Op: protocol.OpCallNext})
			if err != nil || !r.OK || r.Ticket == nil || r.Ticket.Number != "A001" {
				t.Fatalf("call next: %+v, %v", r, err)
			}
			within(t, "call event for A001 at counter 1", calls, func(b []byte) bool {
				call, err := protocol.Decode[protocol.Call](b)
				return err == nil && call.Ticket == "A001" && call.Counter == "1"
			})
			within(t, "board showing A001", boardState, func(b []byte) bool {
				s, err := protocol.Decode[protocol.BoardState](b)
				return err == nil && len(s.Current) == 1 && s.Current[0].Ticket == "A001"
			})
			within(t, "counter 1 serving A001", counterState, func(b []byte) bool {
				s, err := protocol.Decode[protocol.CounterState](b)
				return err == nil && s.Status == protocol.CounterServing && s.Ticket == "A001"
			})
		})
	}
}

// Every request of the shared wire table is published raw by the device it
// names, and the controller's reply carries the table's error code and
// field: bad input gets a clear answer and loses nothing.
func TestRequestTable(t *testing.T) {
	for _, b := range brokers {
		t.Run(b.name, func(t *testing.T) {
			c := startCentre(t, b.start)
			replies := map[string]<-chan []byte{}
			clients := map[string]mqtt.Client{}
			for _, id := range []string{prototest.Kiosk, prototest.CounterDevice} {
				clients[id] = c.client(t, id)
				replies[id] = subscribe(t, clients[id], protocol.ReplyTopic(c.cfg.ID, id))
			}
			for _, tc := range prototest.Requests {
				topic, err := protocol.ParseTopic(tc.Topic)
				if err != nil || topic.Kind != protocol.KindRequest {
					continue
				}
				t.Run(tc.Name, func(t *testing.T) {
					key := keyOf(tc.JSON)
					tok := clients[topic.ID].Publish(tc.Topic, 1, false, []byte(tc.JSON))
					if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
						t.Fatalf("publish: %v", tok.Error())
					}
					var reply protocol.Reply
					within(t, "reply with key "+key, replies[topic.ID], func(b []byte) bool {
						r, err := protocol.Decode[protocol.Reply](b)
						if err != nil {
							t.Errorf("undecodable reply %s: %v", b, err)
							return false
						}
						reply = r
						return r.Key == key
					})
					switch {
					case tc.Code != "":
						if reply.OK || reply.Error.Code != tc.Code || reply.Error.Field != tc.Field {
							t.Errorf("reply %+v, want error %s on field %q", reply, tc.Code, tc.Field)
						}
					case !reply.OK && slices.Contains([]string{protocol.CodeMalformed, protocol.CodeInvalid, protocol.CodeVersion, protocol.CodeInternal}, reply.Error.Code):
						t.Errorf("valid request refused: %+v", reply.Error)
					}
				})
			}
			// The refusals lost nothing: the centre still works.
			r, err := c.device(t, "kiosk-2").Request(context.Background(), protocol.Request{Op: protocol.OpTicket, Service: "B"})
			if err != nil || !r.OK {
				t.Errorf("ticket after the table: %+v, %v", r, err)
			}
		})
	}
}

// keyOf is the key the controller answers a raw request with: its own, or
// "" when it cannot be read.
func keyOf(raw string) string {
	req, _ := protocol.Decode[protocol.Request]([]byte(raw))
	return req.Key
}

// Counters calling next at the same moment never get the same ticket.
func TestConcurrentCallsNeverShareATicket(t *testing.T) {
	c := startCentre(t, brokers[0].start)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	kiosk := c.device(t, "kiosk-1")
	const tickets = 60
	for i := range tickets {
		s := []string{"A", "B", "C"}[i%3]
		if r, err := kiosk.Request(ctx, protocol.Request{Op: protocol.OpTicket, Service: s}); err != nil || !r.OK {
			t.Fatalf("ticket: %+v %v", r, err)
		}
	}
	var mu sync.Mutex
	seen := map[string]string{}
	var wg sync.WaitGroup
	for _, n := range []string{"1", "2", "3", "4", "5"} {
		l := c.device(t, "counter-"+n)
		wg.Go(func() {
			for {
				r, err := l.Request(ctx, protocol.Request{Op: protocol.OpCallNext})
				if err != nil {
					t.Error(err)
					return
				}
				if r.Ticket == nil {
					return
				}
				mu.Lock()
				if other, dup := seen[r.Ticket.Number]; dup {
					t.Errorf("%s called by counters %s and %s", r.Ticket.Number, other, n)
				}
				seen[r.Ticket.Number] = n
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	// Counters 1-5 serve A, B and C between them.
	if len(seen) != tickets {
		t.Errorf("%d tickets called, want %d", len(seen), tickets)
	}
	st, err := c.ctl.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Totals.Issued != tickets || st.Totals.Waiting != 0 {
		t.Errorf("totals %+v", st.Totals)
	}
}

// A late last will of an older connection does not hide a newer birth.
func TestPresenceNewerBirthWins(t *testing.T) {
	c := startCentre(t, brokers[0].start)
	kiosk := c.client(t, "kiosk-1")
	topic := protocol.PresenceTopic(c.cfg.ID, "kiosk-1")
	send := func(online bool, seq uint64) {
		b, err := protocol.Encode(protocol.Presence{Device: "kiosk-1", Kind: protocol.DeviceKiosk, Online: online, Seq: seq, Firmware: "1.0"})
		if err != nil {
			t.Fatal(err)
		}
		if tok := kiosk.Publish(topic, 1, true, b); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatal(tok.Error())
		}
	}
	wait := func(what string, ok func(centre.DeviceStatus) bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if ok(c.ctl.Devices()["kiosk-1"]) {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("kiosk-1 not %s: %+v", what, c.ctl.Devices()["kiosk-1"])
	}
	send(true, 5)
	wait("online with seq 5", func(d centre.DeviceStatus) bool { return d.Online && d.Seq == 5 })
	send(false, 4) // the will of connection 4 arrives late
	send(true, 5)  // a marker: once seen again, the will was handled before it
	send(false, 5)
	wait("offline with seq 5", func(d centre.DeviceStatus) bool { return !d.Online && d.Seq == 5 })
	send(false, 6)
	send(true, 6) // a birth of the same connection after its death is stale too
	send(true, 7)
	wait("online with seq 7", func(d centre.DeviceStatus) bool { return d.Online && d.Seq == 7 })
}

// The manager's advice is published with the rest of the state: none while
// the centre is quiet, a counter move once a service falls far behind its
// target while another counter idles.
func TestAdvicePublished(t *testing.T) {
	c := startCentre(t, brokers[0].start)
	board := c.client(t, "board-1")
	advice := subscribe(t, board, protocol.AdviceTopic(c.cfg.ID))
	within(t, "empty advice", advice, func(b []byte) bool {
		a, err := protocol.Decode[protocol.AdviceState](b)
		return err == nil && len(a.Moves) == 0
	})
	// Forty citizens for land (A) at once, and counters opened.
	ctx := context.Background()
	kiosk := engine.Actor{Device: "kiosk-1", Kind: protocol.DeviceKiosk}
	for i := range 40 {
		if r, err := c.ctl.Do(ctx, kiosk, protocol.Request{Key: fmt.Sprint("a", i), Op: protocol.OpTicket, Service: "A"}); err != nil || !r.OK {
			t.Fatalf("ticket: %+v %v", r, err)
		}
	}
	for _, n := range []string{"1", "2", "3", "4", "5", "6", "7", "8"} {
		actor := engine.Actor{Device: "counter-" + n, Kind: protocol.DeviceCounter, Counter: n}
		if _, err := c.ctl.Do(ctx, actor, protocol.Request{Key: "open-" + n, Op: protocol.OpResume}); err != nil {
			t.Fatal(err)
		}
	}
	c.ctl.Republish()
	within(t, "a move to service A", advice, func(b []byte) bool {
		a, err := protocol.Decode[protocol.AdviceState](b)
		return err == nil && len(a.Moves) > 0 && a.Moves[0].Service == "A"
	})
}
