package link

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/sothutu/sothutu/controller/broker"
	"github.com/sothutu/sothutu/controller/broker/mosquittotest"
	"github.com/sothutu/sothutu/internal/clock"
	"github.com/sothutu/sothutu/internal/servertest"
	"github.com/sothutu/sothutu/protocol"
	"github.com/sothutu/sothutu/protocol/prototest"
)

const (
	centre    = prototest.Centre
	device    = prototest.Kiosk
	devicePW  = "kiosk-secret"
	ctlUser   = "controller"
	ctlPW     = "controller-secret"
	resend    = 2 * time.Second
	waitLimit = 10 * time.Second // bound of every wait for the system under test
)

var accounts = []broker.Account{
	{Username: device, Password: devicePW, Centre: centre, Device: device},
	{Username: ctlUser, Password: ctlPW, Centre: centre},
}

// testLogger writes to the test's output (shown on failure or with -v), or
// nowhere with LINK_TEST_LOG unset and -v off.
func testLogger(t *testing.T) *slog.Logger {
	if !testing.Verbose() && os.Getenv("LINK_TEST_LOG") == "" {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// newFakeClock is the tests' clock, at 08:00 in Can Tho.
func newFakeClock() *clock.Fake {
	return clock.NewFake(time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC))
}

// advanceUntil advances clk by step until ch yields. It advances again
// whenever the link asks the clock for a new timer, and every few
// milliseconds in case the link was busy when the clock moved.
func advanceUntil[T any](t *testing.T, clk *clock.Fake, step time.Duration, ch <-chan T) T {
	t.Helper()
	deadline := time.After(waitLimit)
	for {
		clk.Advance(step)
		select {
		case v := <-ch:
			return v
		case <-clk.Asked():
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			t.Fatalf("nothing came after advancing the clock for %s of real time", waitLimit)
		}
	}
}

// recv waits a bounded time for ch.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitLimit):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// none checks that ch yields nothing for a short while.
func none[T any](t *testing.T, ch <-chan T, what string) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("unexpected %s: %+v", what, v)
	case <-time.After(100 * time.Millisecond):
	}
}

// testBroker is a broker a test can take down and bring back on the same
// port.
type testBroker interface {
	Addr() string
	Down(t *testing.T)
	Up(t *testing.T)
}

type embeddedBroker struct {
	addr string
	b    *broker.Embedded
}

// startEmbedded runs the embedded broker on a port reserved by servertest,
// so that nothing else takes it while the broker is down.
func startEmbedded(t *testing.T) *embeddedBroker {
	t.Helper()
	e := &embeddedBroker{}
	addr, err := servertest.Bind(t, e.start)
	if err != nil {
		t.Fatalf("startEmbedded: %v", err)
	}
	e.addr = addr
	t.Cleanup(func() {
		if e.b != nil {
			_ = e.b.Close()
		}
	})
	return e
}

func (e *embeddedBroker) start(addr string) error {
	b, err := broker.Start(broker.Options{Addr: addr, Accounts: accounts})
	if err != nil {
		return err
	}
	e.b = b
	return nil
}

func (e *embeddedBroker) Addr() string { return e.addr }

func (e *embeddedBroker) Down(t *testing.T) {
	t.Helper()
	if err := e.b.Close(); err != nil {
		t.Fatalf("broker Close: %v", err)
	}
	e.b = nil
}

func (e *embeddedBroker) Up(t *testing.T) {
	t.Helper()
	if err := servertest.Rebind(t, e.addr, e.start); err != nil {
		t.Fatalf("broker.Start: %v", err)
	}
}

// mosquitto is a real Mosquitto, configured as a centre runs it.
type mosquitto struct{ *mosquittotest.Mosquitto }

func (m mosquitto) Down(*testing.T) { m.Stop() }
func (m mosquitto) Up(*testing.T)   { m.Restart() }

// brokers are the brokers the tests of reconnection run against.
var brokers = []struct {
	name  string
	start func(*testing.T) testBroker
}{
	{"embedded", func(t *testing.T) testBroker { return startEmbedded(t) }},
	{"mosquitto", func(t *testing.T) testBroker { return mosquitto{mosquittotest.Start(t, accounts)} }},
}

// controller is a fake controller: it records the requests and presence
// messages of the centre and answers only when the test says so.
type controller struct {
	c        mqtt.Client
	requests chan protocol.Request
	presence chan protocol.Presence
	answered map[string]bool // keys answered: their resends are skipped
}

func startController(t *testing.T, addr string) *controller {
	t.Helper()
	ctl := &controller{
		requests: make(chan protocol.Request, 1000),
		presence: make(chan protocol.Presence, 1000),
		answered: map[string]bool{},
	}
	ctl.c = mqtt.NewClient(mqtt.NewClientOptions().
		AddBroker("tcp://" + addr).
		SetClientID("test-controller").
		SetUsername(ctlUser).
		SetPassword(ctlPW).
		SetAutoReconnect(false).
		SetConnectTimeout(waitLimit))
	if tok := ctl.c.Connect(); !tok.WaitTimeout(waitLimit) || tok.Error() != nil {
		t.Fatalf("controller connect: %v", tok.Error())
	}
	t.Cleanup(ctl.close)
	ctl.subscribe(t, protocol.AllRequests(centre), func(p []byte) {
		r, err := protocol.Decode[protocol.Request](p)
		if err != nil {
			t.Errorf("controller: bad request: %v", err)
			return
		}
		ctl.requests <- r
	})
	ctl.subscribe(t, protocol.AllPresence(centre), func(p []byte) {
		pr, err := protocol.Decode[protocol.Presence](p)
		if err != nil {
			t.Errorf("controller: bad presence: %v", err)
			return
		}
		ctl.presence <- pr
	})
	return ctl
}

func (ctl *controller) subscribe(t *testing.T, filter string, f func([]byte)) {
	t.Helper()
	tok := ctl.c.Subscribe(filter, 1, func(_ mqtt.Client, m mqtt.Message) { f(m.Payload()) })
	if !tok.WaitTimeout(waitLimit) || tok.Error() != nil {
		t.Fatalf("controller subscribe %s: %v", filter, tok.Error())
	}
}

func (ctl *controller) close() { ctl.c.Disconnect(100) }

func (ctl *controller) publish(t *testing.T, topic string, payload []byte, retained bool) {
	t.Helper()
	tok := ctl.c.Publish(topic, 1, retained, payload)
	if !tok.WaitTimeout(waitLimit) || tok.Error() != nil {
		t.Fatalf("controller publish %s: %v", topic, tok.Error())
	}
}

func (ctl *controller) answer(t *testing.T, r protocol.Reply) {
	t.Helper()
	b, err := protocol.Encode(r)
	if err != nil {
		t.Fatalf("Encode reply: %v", err)
	}
	ctl.publish(t, protocol.ReplyTopic(centre, device), b, false)
	ctl.answered[r.Key] = true
}

// nextRequest waits for a request not answered yet.
func (ctl *controller) nextRequest(t *testing.T) protocol.Request {
	t.Helper()
	for {
		r := recv(t, ctl.requests, "a request at the controller")
		if !ctl.answered[r.Key] {
			return r
		}
	}
}

// nextPresence waits for a presence message matching ok, skipping others.
func (ctl *controller) nextPresence(t *testing.T, what string, ok func(protocol.Presence) bool) protocol.Presence {
	t.Helper()
	deadline := time.After(waitLimit)
	for {
		select {
		case p := <-ctl.presence:
			if ok(p) {
				return p
			}
		case <-deadline:
			t.Fatalf("timed out waiting for presence: %s", what)
		}
	}
}

func birth(p protocol.Presence) bool { return p.Online }

func ticketRequest() protocol.Request {
	return protocol.Request{Op: protocol.OpTicket, Service: "land", Lang: "vi"}
}

func ticketReply(req protocol.Request, number string) protocol.Reply {
	return protocol.Reply{Key: req.Key, Op: req.Op, OK: true, Ticket: &protocol.Ticket{
		Number: number, Service: req.Service, Lang: req.Lang, Ahead: 3, WaitSeconds: 600,
		Issued: time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC), Day: "2026-11-23", Token: "tok",
	}}
}

// runner runs a Link for a test.
type runner struct {
	*Link
	up     chan bool // OnConnection's calls
	cancel context.CancelFunc
	done   chan error
}

// options are a device's options against addr with the fake clock.
func options(t *testing.T, addr, stateDir string, clk clock.Clock) Options {
	return Options{
		Broker:      "tcp://" + addr,
		Centre:      centre,
		Device:      device,
		Kind:        protocol.DeviceKiosk,
		Password:    devicePW,
		Firmware:    "test-1.0",
		StateDir:    stateDir,
		Clock:       clk,
		Logger:      testLogger(t),
		ResendAfter: resend,
	}
}

// start makes a Link from opts and runs it until the test ends or stop.
func start(t *testing.T, opts Options) *runner {
	t.Helper()
	r := &runner{up: make(chan bool, 100), done: make(chan error, 1)}
	opts.OnConnection = func(up bool) { r.up <- up }
	l, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	r.Link = l
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- l.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels Run and checks it returns nil. It may be called twice.
func (r *runner) stop(t *testing.T) {
	t.Helper()
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	if err := recv(t, r.done, "Run to return"); err != nil {
		t.Errorf("Run: %v, want nil", err)
	}
}

func (r *runner) waitUp(t *testing.T) {
	t.Helper()
	if !recv(t, r.up, "the link to come up") {
		t.Fatal("OnConnection(false) before the link came up")
	}
	if !r.Connected() {
		t.Fatal("Connected() false after OnConnection(true)")
	}
}

type result struct {
	reply protocol.Reply
	err   error
}

// request runs Request in a goroutine.
func (r *runner) request(ctx context.Context, req protocol.Request) <-chan result {
	ch := make(chan result, 1)
	go func() {
		rep, err := r.Request(ctx, req)
		ch <- result{rep, err}
	}()
	return ch
}

// proxy forwards TCP connections to a broker, so that a test can cut them
// as a pulled network cable would, without the client saying goodbye.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	wg     sync.WaitGroup
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("net.Listen: %v", err)
	}
	p := &proxy{ln: ln, target: target}
	p.wg.Go(p.serve)
	t.Cleanup(func() {
		_ = ln.Close()
		p.sever()
		p.wg.Wait()
	})
	return p
}

func (p *proxy) Addr() string { return p.ln.Addr().String() }

func (p *proxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = in.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		p.wg.Go(func() { _, _ = io.Copy(out, in); _ = out.Close() })
		p.wg.Go(func() { _, _ = io.Copy(in, out); _ = in.Close() })
	}
}

// sever cuts every connection through the proxy.
func (p *proxy) sever() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}
