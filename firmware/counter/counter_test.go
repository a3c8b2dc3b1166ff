package counter_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/sothutu/sothutu/controller/centre/centretest"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/controller/store/storetest"
	"github.com/sothutu/sothutu/display/displaytest"
	"github.com/sothutu/sothutu/firmware/counter"
	"github.com/sothutu/sothutu/firmware/link"
	"github.com/sothutu/sothutu/internal/clock"
	"github.com/sothutu/sothutu/internal/servertest"
	"github.com/sothutu/sothutu/protocol"
)

var quiet = func() *slog.Logger {
	if os.Getenv("COUNTER_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}()

// rig is the example centre's controller and the terminal of counter 1.
type rig struct {
	t *testing.T
	*centretest.Centre
	ctr     *counter.Counter
	link    *link.Link
	display *displaytest.Fake
	stopCtr func()
	keys    map[protocol.Op]*gpiotest.Pin
	rate    *gpiotest.Pin // very satisfied
	toB     *gpiotest.Pin // transfer to B
	lockout time.Duration
	clock   clock.Clock // the terminal's; nil is the real one
}

// errorFor is how long the rig's terminal shows "Err".
const errorFor = 300 * time.Millisecond

func newRig(t *testing.T, lockout time.Duration) *rig {
	return newRigOn(t, lockout, nil)
}

// newRigOn is newRig with the terminal on clk.
func newRigOn(t *testing.T, lockout time.Duration, clk clock.Clock) *rig {
	r := &rig{t: t, Centre: centretest.Start(t, centretest.Options{TickEvery: 100 * time.Millisecond}), lockout: lockout, clock: clk}
	r.startCounter()
	r.eventually("terminal showing the idle counter", func() bool { return r.display.Last() == counter.TextIdle })
	return r
}

// startCounter starts counter-1's terminal, its link and its keys on the
// rig's folder; stopCtr stops them as a power cut would.
func (r *rig) startCounter() {
	t := r.t
	d, _ := r.Config.Device("counter-1")
	var c *counter.Counter
	var err error
	r.link, err = link.New(link.Options{Broker: r.URL, Centre: r.Config.ID, Device: d.ID, Kind: d.Kind, Password: d.Password,
		StateDir: filepath.Join(r.Dir, "link"), Logger: quiet, ResendAfter: 200 * time.Millisecond,
		Health:       func() protocol.Health { return c.Health() },
		OnConnection: func(up bool) { c.OnConnection(up) },
		OnReply:      func(q protocol.Request, p protocol.Reply) { c.OnReply(q, p) }})
	if err != nil {
		t.Fatal(err)
	}
	r.display = &displaytest.Fake{}
	c, err = counter.New(counter.Options{Link: r.link, Centre: r.Config.ID, Device: d.ID, Counter: d.Counter,
		Display: r.display, ReplyTimeout: 3 * time.Second, ErrorFor: errorFor, Clock: r.clock, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	r.ctr = c
	r.keys = map[protocol.Op]*gpiotest.Pin{}
	var keys []counter.Key
	pin := func(name string) *gpiotest.Pin {
		return &gpiotest.Pin{N: name, L: gpio.High, EdgesChan: make(chan gpio.Level)}
	}
	for i, op := range []protocol.Op{protocol.OpCallNext, protocol.OpCallAgain, protocol.OpComplete, protocol.OpNoShow, protocol.OpPark, protocol.OpPause} {
		p := pin("GPIO" + string(rune('a'+i)))
		r.keys[op] = p
		keys = append(keys, counter.Key{Pin: p, Op: op})
	}
	r.toB, r.rate = pin("GPIOt"), pin("GPIOr")
	keys = append(keys, counter.Key{Pin: r.toB, Op: protocol.OpTransfer, ToService: "B"},
		counter.Key{Pin: r.rate, Op: protocol.OpRate, Rating: protocol.RatingVerySatisfied})

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { r.link.Run(ctx) })
	wg.Go(func() { c.Run(ctx) })
	wg.Go(func() {
		if err := c.RunKeys(ctx, keys, counter.KeyOptions{Debounce: 1, Lockout: r.lockout}); err != nil {
			t.Error(err)
		}
	})
	for _, k := range keys {
		p := k.Pin.(*gpiotest.Pin)
		r.eventually(p.N+" an input", func() bool {
			p.Lock()
			defer p.Unlock()
			return p.P == gpio.PullUp
		})
	}
	r.stopCtr = sync.OnceFunc(func() { cancel(); wg.Wait() })
	t.Cleanup(r.stopCtr)
}

// press presses and releases a key.
func (r *rig) press(p *gpiotest.Pin) {
	p.EdgesChan <- gpio.Low
	p.EdgesChan <- gpio.High
}

// issue takes a ticket at kiosk-1.
func (r *rig) issue(service string) string {
	r.t.Helper()
	rep, err := r.Controller().Do(context.Background(), engine.Actor{Device: "kiosk-1", Kind: protocol.DeviceKiosk},
		protocol.Request{Key: "t-" + time.Now().Format("150405.000000000"), Op: protocol.OpTicket, Service: service})
	if err != nil || !rep.OK {
		r.t.Fatalf("issue %s: %+v, %v", service, rep, err)
	}
	return rep.Ticket.Number
}

func (r *rig) counterState() protocol.CounterState {
	s, err := r.Controller().Status(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	for _, c := range s.Counters {
		if c.Counter == "1" {
			return c
		}
	}
	r.t.Fatal("no counter 1 at the controller")
	return protocol.CounterState{}
}

func (r *rig) totals() engine.Totals {
	s, err := r.Controller().Status(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	return s.Totals
}

// eventually is servertest.Eventually with this package's 10 s.
func (r *rig) eventually(what string, ok func() bool) {
	r.t.Helper()
	servertest.Eventually(r.t, what, 10*time.Second, ok)
}

// board connects as the hall board and collects the call events.
func (r *rig) board() <-chan protocol.Call {
	d, _ := r.Config.Device("board-1")
	cl := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(r.URL).SetClientID(d.ID).SetUsername(d.ID).SetPassword(d.Password))
	if tok := cl.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		r.t.Fatalf("connect board-1: %v", tok.Error())
	}
	r.t.Cleanup(func() { cl.Disconnect(100) })
	ch := make(chan protocol.Call, 16)
	tok := cl.Subscribe(protocol.CallTopic(r.Config.ID), 1, func(_ mqtt.Client, m mqtt.Message) {
		if c, err := protocol.Decode[protocol.Call](m.Payload()); err == nil {
			ch <- c
		}
	})
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		r.t.Fatalf("subscribe: %v", tok.Error())
	}
	return ch
}

func receive(t *testing.T, what string, ch <-chan protocol.Call) protocol.Call {
	t.Helper()
	select {
	case c := <-ch:
		return c
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s within 10s", what)
	}
	return protocol.Call{}
}

// The call next key calls the waiting citizen: the display shows the
// number, the board hears the call, call again repeats it.
func TestCallNextKey(t *testing.T) {
	r := newRig(t, time.Nanosecond)
	calls := r.board()
	n := r.issue("A")
	r.press(r.keys[protocol.OpCallNext])
	r.eventually("the display showing "+n, func() bool { return r.display.Last() == n })
	if c := receive(t, "call", calls); c.Ticket != n || c.Counter != "1" || c.Repeat != 0 {
		t.Errorf("board heard %+v", c)
	}
	if s := r.counterState(); s.Status != protocol.CounterServing || s.Ticket != n {
		t.Errorf("controller's counter 1: %+v", s)
	}
	r.press(r.keys[protocol.OpCallAgain])
	if c := receive(t, "call again", calls); c.Ticket != n || c.Repeat != 1 {
		t.Errorf("call again: board heard %+v", c)
	}
	if h := r.ctr.Health(); h.Status != protocol.HealthOK || h.LastError != "" {
		t.Errorf("health %+v", h)
	}
}

// One press, one call: a bounce, a held key and a second press within the
// lockout call nobody else.
func TestDoublePressCallsOnce(t *testing.T) {
	r := newRig(t, time.Hour)
	first, second := r.issue("A"), r.issue("A")
	k := r.keys[protocol.OpCallNext]
	k.EdgesChan <- gpio.Low
	r.eventually("the first call", func() bool { return r.display.Last() == first })
	k.EdgesChan <- gpio.Low // held
	k.EdgesChan <- gpio.High
	k.EdgesChan <- gpio.Low // pressed again within the lockout
	k.EdgesChan <- gpio.High
	k.EdgesChan <- gpio.Low // and again
	k.EdgesChan <- gpio.High
	if tot := r.totals(); tot.Waiting != 1 {
		t.Errorf("%d waiting, want %s still waiting", tot.Waiting, second)
	}
	if s := r.counterState(); s.Ticket != first {
		t.Errorf("counter 1 serves %q, want %s", s.Ticket, first)
	}
	if got := r.display.Last(); got != first {
		t.Errorf("display %q", got)
	}
}

// Complete, then the citizen's satisfaction key: the rating is stored on
// the ticket served.
func TestCompleteThenRate(t *testing.T) {
	r := newRig(t, time.Nanosecond)
	n := r.issue("A")
	r.press(r.keys[protocol.OpCallNext])
	r.eventually("the display showing "+n, func() bool { return r.display.Last() == n })
	r.press(r.keys[protocol.OpComplete])
	r.eventually("the display idle", func() bool { return r.display.Last() == counter.TextIdle })
	r.press(r.rate)
	r.eventually("the rating stored", func() bool {
		ticket := storetest.Ticket(t, r.Store, n)
		return ticket != nil && ticket.Rating == protocol.RatingVerySatisfied
	})
	if slices.Contains(r.display.Shown(), counter.TextError) {
		t.Errorf("an error was shown: %q", r.display.Shown())
	}
}

// The transfer key sends the current ticket to its service; the pause key
// pauses and resumes.
func TestTransferAndPause(t *testing.T) {
	r := newRig(t, time.Nanosecond)
	n := r.issue("A")
	r.press(r.keys[protocol.OpCallNext])
	r.eventually("the display showing "+n, func() bool { return r.display.Last() == n })
	r.press(r.toB)
	r.eventually("the display idle after the transfer", func() bool { return r.display.Last() == counter.TextIdle })
	if tot := r.totals(); tot.Waiting != 1 {
		t.Errorf("%d waiting after the transfer, want 1", tot.Waiting)
	}
	r.press(r.keys[protocol.OpPause])
	r.eventually("paused", func() bool { return r.display.Last() == counter.TextPaused })
	if s := r.counterState(); s.Status != protocol.CounterPaused {
		t.Errorf("controller's counter 1: %+v", s)
	}
	r.press(r.keys[protocol.OpPause])
	r.eventually("resumed", func() bool { return r.display.Last() == counter.TextIdle })
	if s := r.counterState(); s.Status != protocol.CounterIdle {
		t.Errorf("controller's counter 1 after resume: %+v", s)
	}
}

// A refused command shows "Err" for a while, then the state again.
func TestRefusalShowsError(t *testing.T) {
	r := newRig(t, time.Nanosecond)
	r.press(r.keys[protocol.OpComplete]) // nothing to complete
	r.eventually("Err shown", func() bool { return r.display.Last() == counter.TextError })
	r.eventually("the state shown again", func() bool { return r.display.Last() == counter.TextIdle })
	if h := r.ctr.Health(); h.Status != protocol.HealthOK || h.LastError == "" {
		t.Errorf("health %+v, want ok with the last error", h)
	}
	_, err := r.ctr.Do(context.Background(), protocol.Request{Op: protocol.OpComplete})
	var pe *protocol.Error
	if !errors.Is(err, counter.ErrRefused) || !errors.As(err, &pe) || pe.Code != protocol.CodeNoTicket {
		t.Errorf("complete with no ticket: %v", err)
	}
}

// "Err" stays for ErrorFor on the terminal's clock, not the wall's: the
// wait for its end is asked of the clock, and ends when the clock moves.
func TestErrorEndsOnTheClock(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC))
	r := newRigOn(t, time.Nanosecond, clk)
	r.press(r.keys[protocol.OpComplete]) // nothing to complete
	r.eventually("Err shown", func() bool { return r.display.Last() == counter.TextError })
	r.eventually("the end of Err waited for on the clock", func() bool { return slices.Contains(clk.Durations(), errorFor) })
	clk.Advance(errorFor - time.Nanosecond)
	if got := r.display.Last(); got != counter.TextError {
		t.Errorf("display %q before the clock reached the error's end, want %q", got, counter.TextError)
	}
	clk.Advance(time.Nanosecond)
	r.eventually("the state shown again", func() bool { return r.display.Last() == counter.TextIdle })
}

// Controller stopped: the display says unreachable and the health says so;
// a key pressed meanwhile stays queued; the controller restarted: the
// terminal recovers by itself and the queued command is answered.
func TestControllerUnreachable(t *testing.T) {
	r := newRig(t, time.Nanosecond)
	n := r.issue("A")
	r.press(r.keys[protocol.OpCallNext])
	r.eventually("the display showing "+n, func() bool { return r.display.Last() == n })

	r.Stop()
	r.eventually("unreachable shown", func() bool { return r.display.Last() == counter.TextUnreachable })
	if h := r.ctr.Health(); h.Status != protocol.HealthFault || h.LastError != "controller unreachable" {
		t.Errorf("health %+v", h)
	}
	if _, ok := r.ctr.State(); ok {
		t.Error("the terminal keeps a state while the controller is unreachable")
	}
	// A press now: no reply, the command waits in the outbox; another is
	// refused rather than piled up.
	_, err := r.ctr.Do(context.Background(), protocol.Request{Op: protocol.OpComplete})
	if !errors.Is(err, counter.ErrNoReply) {
		t.Errorf("complete while unreachable: %v", err)
	}
	if _, err := r.ctr.Do(context.Background(), protocol.Request{Op: protocol.OpCallNext}); !errors.Is(err, counter.ErrBusy) {
		t.Errorf("second command while one waits: %v", err)
	}
	if got := r.display.Last(); got != counter.TextUnreachable {
		t.Errorf("display %q while unreachable", got)
	}

	r.Restart()
	r.eventually("the queued complete answered", func() bool { return r.link.Pending() == 0 })
	r.eventually("the terminal recovered", func() bool { return r.display.Last() == counter.TextIdle })
	if s := r.counterState(); s.Status != protocol.CounterIdle {
		t.Errorf("controller's counter 1: %+v", s)
	}
	r.eventually("health ok", func() bool { return r.ctr.Health().Status == protocol.HealthOK })
	r.eventually("the controller sees the terminal healthy", func() bool {
		d := r.Controller().Devices()["counter-1"]
		return d.Health != nil && d.Health.Status == protocol.HealthOK
	})
}

// A restarted terminal shows its counter's ticket from the retained state.
func TestTerminalRestart(t *testing.T) {
	r := newRig(t, time.Nanosecond)
	r.issue("C")
	n := r.issue("A")
	r.press(r.keys[protocol.OpCallNext])
	r.eventually("the display showing "+n, func() bool { return r.display.Last() == n })
	r.stopCtr()
	r.startCounter()
	r.eventually("the restarted terminal showing "+n, func() bool { return r.display.Last() == n })
	if got := r.display.Shown(); got[0] != counter.TextUnreachable {
		t.Errorf("first shown %q, want %q before the state is known", got[0], counter.TextUnreachable)
	}
}

// A failing display is the terminal's fault, reported in its health.
func TestDisplayFails(t *testing.T) {
	r := newRig(t, time.Nanosecond)
	r.display.Fail(errors.New("i2c: no ack"))
	r.press(r.keys[protocol.OpPause])
	r.eventually("display fault in health", func() bool {
		h := r.ctr.Health()
		return h.Status == protocol.HealthFault && h.LastError == "display: i2c: no ack"
	})
	r.display.Fail(nil)
	r.eventually("the display working again, showing the state", func() bool {
		return r.display.Last() == counter.TextPaused && r.ctr.Health().Status == protocol.HealthOK
	})
}

func TestKeyErrors(t *testing.T) {
	r := newRig(t, time.Nanosecond)
	p := &gpiotest.Pin{N: "GPIOx", EdgesChan: make(chan gpio.Level)}
	for _, k := range []counter.Key{
		{Pin: p, Op: protocol.OpTicket},
		{Pin: p, Op: protocol.OpTransfer},
		{Pin: p, Op: protocol.OpRate, Rating: "great"},
	} {
		if err := r.ctr.RunKeys(context.Background(), []counter.Key{k}, counter.KeyOptions{}); !errors.Is(err, counter.ErrKey) {
			t.Errorf("%+v: %v, want ErrKey", k, err)
		}
	}
}
