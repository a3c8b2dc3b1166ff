package kiosk_test

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/centre/centretest"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/controller/store/storetest"
	"github.com/sothutu/sothutu/firmware/kiosk"
	"github.com/sothutu/sothutu/firmware/link"
	"github.com/sothutu/sothutu/internal/clock"
	"github.com/sothutu/sothutu/internal/servertest"
	"github.com/sothutu/sothutu/protocol"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// printer is a printer whose state and failures the test sets.
type printer struct {
	mu      sync.Mutex
	state   string
	fail    error
	printed []*image.Gray
	// then, if set, is the state after a failed print, like paper that
	// ran out during the job.
	then string
	// onPrint, if set, runs at the start of each job.
	onPrint func()
	states  int // queries answered
}

func (p *printer) Print(_ context.Context, img *image.Gray) error {
	p.mu.Lock()
	f := p.onPrint
	p.mu.Unlock()
	if f != nil {
		f()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		if p.then != "" {
			p.state, p.then = p.then, ""
		}
		return p.fail
	}
	p.printed = append(p.printed, img)
	return nil
}

func (p *printer) State(context.Context) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.states++
	return p.state
}

func (p *printer) set(state string, fail error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state, p.fail = state, fail
}

func (p *printer) queries() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.states
}

func (p *printer) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.printed)
}

// renderer records what it lays out.
type renderer struct {
	mu       sync.Mutex
	reprints int
	names    []string
}

func (r *renderer) Render(t protocol.Ticket, name string, reprint bool) (*image.Gray, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if reprint {
		r.reprints++
	}
	r.names = append(r.names, name)
	return image.NewGray(image.Rect(0, 0, 384, 100)), nil
}

// rig is the example centre's controller with one kiosk.
type rig struct {
	t *testing.T
	*centretest.Centre
	kiosk     *kiosk.Kiosk
	link      *link.Link
	printer   *printer
	render    *renderer
	stopKiosk func()
	// tune, if set, changes the kiosk's options before each start.
	tune func(*kiosk.Options)
}

func newRig(t *testing.T) *rig {
	r := &rig{t: t, Centre: centretest.Start(t, centretest.Options{}),
		printer: &printer{state: protocol.PrinterOK}, render: &renderer{}}
	r.startKiosk()
	r.eventually("kiosk online and knowing the services", func() bool {
		st := r.kiosk.State()
		return st.Online && st.Services[0].Names["vi"] != st.Services[0].ID
	})
	return r
}

// startKiosk starts kiosk-1 and its link on the rig's folders; stopKiosk
// stops them, as a power cut or a restart would.
func (r *rig) startKiosk() {
	t := r.t
	d, _ := r.Config.Device("kiosk-1")
	var k *kiosk.Kiosk
	var err error
	r.link, err = link.New(link.Options{Broker: r.URL, Centre: r.Config.ID, Device: d.ID, Kind: d.Kind, Password: d.Password,
		StateDir: filepath.Join(r.Dir, "link"), Logger: quiet, ResendAfter: 200 * time.Millisecond,
		Health: func() protocol.Health { return k.Health() }})
	if err != nil {
		t.Fatal(err)
	}
	opts := kiosk.Options{Link: r.link, Centre: r.Config.ID, Device: d.ID, Printer: r.printer, Renderer: r.render,
		StateDir: filepath.Join(r.Dir, "kiosk"), Offline: &kiosk.Block{From: d.Offline.From, To: d.Offline.To},
		Services: d.Buttons, Location: r.Config.Location, ReplyTimeout: time.Second, StatusEvery: 50 * time.Millisecond, Logger: quiet}
	if r.tune != nil {
		r.tune(&opts)
	}
	k, err = kiosk.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	r.kiosk = k
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { r.link.Run(ctx) })
	wg.Go(func() { k.Run(ctx) })
	r.stopKiosk = func() { cancel(); wg.Wait() }
	t.Cleanup(func() { r.stopKiosk() })
}

func (r *rig) eventually(what string, ok func() bool) {
	r.t.Helper()
	servertest.Eventually(r.t, what, 10*time.Second, ok)
}

func (r *rig) totals() centreTotals {
	s, err := r.Controller().Status(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	return centreTotals{s.Totals.Issued, s.Totals.Waiting}
}

type centreTotals struct{ issued, waiting int }

func TestTakeOnline(t *testing.T) {
	r := newRig(t)
	is, err := r.kiosk.Take(context.Background(), "B", "", "vi")
	if err != nil {
		t.Fatal(err)
	}
	if is.Ticket.Number != "B001" || is.Offline || !is.Printed || is.Name != "Hộ tịch" {
		t.Errorf("issued %+v", is)
	}
	if r.printer.count() != 1 {
		t.Errorf("%d tickets printed, want 1", r.printer.count())
	}
	r.eventually("the printed ticket confirmed and counted", func() bool { return r.totals().issued == 1 && r.kiosk.Journalled() == 0 })
	if _, err := r.kiosk.Take(context.Background(), "Z", "", "vi"); !errors.Is(err, kiosk.ErrUnknownService) {
		t.Errorf("unknown service: %v", err)
	}
}

// A kiosk takes no ticket it cannot print, tells the controller, and
// recovers by itself when the printer is back.
func TestPrinterNotReady(t *testing.T) {
	r := newRig(t)
	r.printer.set(protocol.PrinterPaperOut, nil)
	r.eventually("kiosk reporting paper out to the controller", func() bool {
		d := r.Controller().Devices()["kiosk-1"]
		return d.Health != nil && d.Health.Printer == protocol.PrinterPaperOut && d.Health.Status == protocol.HealthFault
	})
	if _, err := r.kiosk.Take(context.Background(), "A", "", "vi"); !errors.Is(err, kiosk.ErrPrinterNotReady) {
		t.Fatalf("take with paper out: %v, want ErrPrinterNotReady", err)
	}
	if got := r.totals(); got.issued != 0 {
		t.Errorf("a ticket was issued that could not be printed")
	}
	r.printer.set(protocol.PrinterPaperLow, nil)
	r.eventually("paper low reported as degraded", func() bool {
		d := r.Controller().Devices()["kiosk-1"]
		return d.Health != nil && d.Health.Printer == protocol.PrinterPaperLow && d.Health.Status == protocol.HealthDegraded
	})
	if _, err := r.kiosk.Take(context.Background(), "A", "", "vi"); err != nil {
		t.Errorf("take with paper low: %v", err)
	}
}

// ticket returns the state and outcome the controller's store holds for a
// ticket of today.
func (r *rig) ticket(number string) (state, outcome string) {
	r.t.Helper()
	t := storetest.Ticket(r.t, r.Store, number)
	if t == nil {
		r.t.Fatalf("ticket %s is not in the store", number)
	}
	return string(t.State), string(t.Outcome)
}

// callNext has counter 1 (services A and B) call its next ticket and
// returns its number, "" when nobody waits.
func (r *rig) callNext() string {
	r.t.Helper()
	rep, err := r.Controller().Do(context.Background(), engine.Actor{Device: "counter-1", Kind: protocol.DeviceCounter, Counter: "1"},
		protocol.Request{Key: fmt.Sprintf("next-%d", time.Now().UnixNano()), Op: protocol.OpCallNext})
	if err != nil {
		r.t.Fatal(err)
	}
	if !rep.OK || rep.Ticket == nil {
		return ""
	}
	return rep.Ticket.Number
}

func (r *rig) health() protocol.Health { return r.kiosk.Health() }

// The printer is asked afresh right before a number is asked for: a paper
// out the last poll did not see gets no number.
func TestFreshQueryBeforeTake(t *testing.T) {
	r := &rig{t: t, Centre: centretest.Start(t, centretest.Options{}), printer: &printer{state: protocol.PrinterOK}, render: &renderer{}}
	r.tune = func(o *kiosk.Options) { o.StatusEvery = time.Hour }
	r.startKiosk()
	r.eventually("kiosk online", func() bool { return r.kiosk.State().Online && r.kiosk.State().Ready })
	r.printer.set(protocol.PrinterPaperOut, nil) // after the last poll
	if _, err := r.kiosk.Take(context.Background(), "A", "", "vi"); !errors.Is(err, kiosk.ErrPrinterNotReady) {
		t.Fatalf("take: %v, want ErrPrinterNotReady", err)
	}
	if n := len(storetest.Tickets(t, r.Store)); n != 0 || r.kiosk.Journalled() != 0 {
		t.Errorf("%d tickets numbered, %d journalled for a printer out of paper", n, r.kiosk.Journalled())
	}
}

// A ticket issued but not printed is held: not called, reprinted by itself
// once the printer is back, then callable; the health says so meanwhile.
func TestPrintFailsAfterIssue(t *testing.T) {
	r := newRig(t)
	// The paper runs out between the kiosk's query and the job.
	r.printer.set(protocol.PrinterOK, errors.New("escpos: printer out of paper: load a new roll"))
	r.printer.mu.Lock()
	r.printer.then = protocol.PrinterPaperOut
	r.printer.mu.Unlock()
	is, err := r.kiosk.Take(context.Background(), "A", "", "vi")
	if !errors.Is(err, kiosk.ErrPrintFailed) || is.Ticket.Number != "A001" || is.Printed {
		t.Fatalf("take: %+v, %v; want A001 issued, not printed", is, err)
	}
	if st := r.kiosk.State(); st.Last == nil || st.Last.Printed || st.Last.Ticket.Number != "A001" {
		t.Errorf("last ticket %+v, want A001 marked unprinted", st.Last)
	}
	if h := r.health(); h.Status != protocol.HealthFault || !strings.Contains(h.LastError, "A001") {
		t.Errorf("health %+v, want fault naming A001", h)
	}
	if state, _ := r.ticket("A001"); state != "held" {
		t.Errorf("A001 %s at the controller, want held", state)
	}
	if n := r.callNext(); n != "" {
		t.Errorf("counter called %s while A001 is held", n)
	}
	if got := r.totals(); got.issued != 0 || got.waiting != 0 {
		t.Errorf("a held ticket counted: %+v", got)
	}

	r.printer.set(protocol.PrinterOK, nil) // paper loaded
	r.eventually("A001 reprinted by itself", func() bool { return r.printer.count() == 1 })
	r.eventually("the health clear again", func() bool {
		h := r.health()
		return h.Status == protocol.HealthOK && h.LastError == ""
	})
	r.eventually("A001 confirmed", func() bool { return r.totals().issued == 1 && r.kiosk.Journalled() == 0 })
	if r.render.reprints != 1 {
		t.Errorf("%d reprints, want 1", r.render.reprints)
	}
	if n := r.callNext(); n != "A001" {
		t.Errorf("counter called %q, want A001", n)
	}
	if r.printer.count() != 1 {
		t.Errorf("%d tickets printed, want 1", r.printer.count())
	}
}

// A ticket cut short is reprinted by itself once only; if that fails too
// it is reported and waits for the touch page's reprint.
func TestReprintFailsAgain(t *testing.T) {
	r := newRig(t)
	broken := errors.New("escpos: printer offline: after 3 of 12 bands: connection reset")
	r.printer.set(protocol.PrinterOK, broken)
	if _, err := r.kiosk.Take(context.Background(), "B", "", "vi"); !errors.Is(err, kiosk.ErrPrintFailed) {
		t.Fatalf("take: %v", err)
	}
	r.eventually("the one reprint by itself tried", func() bool {
		r.render.mu.Lock()
		defer r.render.mu.Unlock()
		return r.render.reprints == 1
	})
	// Several polls on, no second try by itself.
	polled := r.printer.queries()
	r.eventually("five polls more", func() bool { return r.printer.queries() >= polled+5 })
	r.render.mu.Lock()
	if r.render.reprints != 1 {
		t.Errorf("%d reprints by itself, want 1", r.render.reprints)
	}
	r.render.mu.Unlock()
	if h := r.health(); h.Status != protocol.HealthFault || !strings.Contains(h.LastError, "B001") {
		t.Errorf("health %+v, want fault naming B001", h)
	}
	r.printer.set(protocol.PrinterOK, nil)
	is, err := r.kiosk.Reprint(context.Background())
	if err != nil || is.Ticket.Number != "B001" || !is.Printed {
		t.Fatalf("reprint: %+v, %v", is, err)
	}
	r.render.mu.Lock()
	reprints := r.render.reprints
	r.render.mu.Unlock()
	if reprints != 2 {
		t.Errorf("%d reprints, want the one by itself and the citizen's", reprints)
	}
	r.eventually("B001 confirmed and callable", func() bool { return r.totals().waiting == 1 && r.kiosk.Journalled() == 0 })
}

// Every ticket in the journal is finished when the kiosk starts again.
func TestRestartFinishesJournal(t *testing.T) {
	tests := []struct {
		name string
		// leave makes a journal entry the kiosk stops with.
		leave func(r *rig) string
		// before changes the world while the kiosk is stopped.
		before func(r *rig)
		// printed: the ticket is printed after the restart; else voided.
		printed bool
	}{
		{"ticket not printed, printer ready", func(r *rig) string {
			r.printer.set(protocol.PrinterOK, errors.New("killed"))
			is, _ := r.kiosk.Take(context.Background(), "A", "", "vi")
			return is.Ticket.Number
		}, func(r *rig) { r.printer.set(protocol.PrinterOK, nil) }, true},
		{"ticket not printed, printer out of paper", func(r *rig) string {
			r.printer.set(protocol.PrinterOK, errors.New("killed"))
			is, _ := r.kiosk.Take(context.Background(), "A", "", "vi")
			return is.Ticket.Number
		}, func(r *rig) { r.printer.set(protocol.PrinterPaperOut, nil) }, false},
		{"ticket not printed, older than the hold", func(r *rig) string {
			r.printer.set(protocol.PrinterOK, errors.New("killed"))
			is, _ := r.kiosk.Take(context.Background(), "A", "", "vi")
			return is.Ticket.Number
		}, func(r *rig) {
			r.printer.set(protocol.PrinterOK, nil)
			later := time.Now().Add(kiosk.DefaultHoldFor + time.Minute)
			r.tune = func(o *kiosk.Options) { o.Clock = clock.NewFake(later) }
		}, false},
		{"request sent, no ticket yet", func(r *rig) string {
			// The kiosk stops as the request was to be sent.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if _, err := r.kiosk.Take(ctx, "A", "", "vi"); !errors.Is(err, context.Canceled) {
				r.t.Fatalf("take: %v", err)
			}
			return "A001"
		}, func(*rig) {}, true},
		{"printed, not acknowledged", func(r *rig) string {
			// The controller goes away after its reply, before the
			// confirmation.
			r.printer.mu.Lock()
			r.printer.onPrint = r.Stop
			r.printer.mu.Unlock()
			is, err := r.kiosk.Take(context.Background(), "A", "", "vi")
			if err != nil || !is.Printed {
				r.t.Fatalf("take: %+v, %v", is, err)
			}
			r.printer.mu.Lock()
			r.printer.onPrint = nil
			r.printer.mu.Unlock()
			return is.Ticket.Number
		}, func(r *rig) { r.Restart() }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			number := tt.leave(r)
			printedBefore := r.printer.count()
			r.stopKiosk()
			if r.kiosk.Journalled() != 1 {
				t.Fatalf("%d journal entries at the stop, want 1", r.kiosk.Journalled())
			}
			tt.before(r)
			r.startKiosk()
			r.eventually("the journal finished", func() bool { return r.kiosk.Journalled() == 0 })
			var state, outcome string
			r.eventually("the controller told", func() bool {
				state, outcome = r.ticket(number)
				return state != "held"
			})
			if tt.printed {
				want := printedBefore + 1
				if tt.name == "printed, not acknowledged" {
					want = printedBefore // printed before the stop: not again
				}
				if outcome == "voided" || r.printer.count() != want {
					t.Errorf("%s %s/%s with %d printed, want printed once and callable", number, state, outcome, r.printer.count()-printedBefore)
				}
				if n := r.callNext(); n != number {
					t.Errorf("counter called %q, want %s", n, number)
				}
			} else {
				if outcome != "voided" || r.printer.count() != printedBefore {
					t.Errorf("%s %s/%s with %d printed, want voided and nothing printed", number, state, outcome, r.printer.count()-printedBefore)
				}
				if h := r.health(); !strings.Contains(h.LastError, number) {
					t.Errorf("health %+v does not report %s", h, number)
				}
				if n := r.callNext(); n != "" {
					t.Errorf("counter called %s", n)
				}
			}
		})
	}
}

// Without the controller the kiosk numbers tickets from its offline block;
// the controller files them by issue time when it is back.
func TestOfflineIssuing(t *testing.T) {
	r := newRig(t)
	if _, err := r.kiosk.Take(context.Background(), "A", "", "vi"); err != nil { // A001, online
		t.Fatal(err)
	}
	r.Stop()
	r.eventually("kiosk offline", func() bool { return !r.kiosk.State().Online })
	is, err := r.kiosk.Take(context.Background(), "A", protocol.PriorityElderly, "vi")
	if err != nil {
		t.Fatal(err)
	}
	if !is.Offline || is.Ticket.Number != "A900" || !is.Printed {
		t.Fatalf("offline ticket %+v", is)
	}
	second, _ := r.kiosk.Take(context.Background(), "A", "", "vi")
	if second.Ticket.Number != "A901" {
		t.Errorf("second offline ticket %s, want A901", second.Ticket.Number)
	}
	r.Restart()
	r.eventually("offline tickets filed", func() bool { return r.totals().issued == 3 })
	r.eventually("kiosk online again", func() bool { return r.kiosk.State().Online })
	for _, n := range []string{"A900", "A901"} {
		if storetest.Ticket(t, r.Store, n) == nil {
			t.Fatalf("%s not in the store", n)
		}
	}
	next, err := r.kiosk.Take(context.Background(), "A", "", "vi")
	if err != nil || next.Offline || next.Ticket.Number != "A002" {
		t.Errorf("back online: %+v, %v", next, err)
	}
}

// Offline tickets not yet handed over survive a restart of the kiosk: its
// journal and its link's outbox hand them over once the controller is back.
func TestOfflineTicketsSurviveRestart(t *testing.T) {
	r := newRig(t)
	r.Stop()
	r.eventually("kiosk offline", func() bool { return !r.kiosk.State().Online })
	is, err := r.kiosk.Take(context.Background(), "E", "", "vi")
	if err != nil || !is.Offline {
		t.Fatalf("offline take: %+v, %v", is, err)
	}
	r.stopKiosk()
	r.startKiosk()
	r.Restart()
	r.eventually("the offline ticket filed after the restarts", func() bool { return r.totals().issued == 1 })
	if n := storetest.Count(t, r.Store, is.Ticket.Number); n != 1 {
		t.Errorf("%s stored %d times", is.Ticket.Number, n)
	}
	// The next offline number continues after the restart: no collision.
	r.Stop()
	r.eventually("kiosk offline again", func() bool { return !r.kiosk.State().Online })
	again, err := r.kiosk.Take(context.Background(), "E", "", "vi")
	if err != nil || again.Ticket.Number == is.Ticket.Number {
		t.Errorf("second offline ticket %+v, %v; first was %s", again.Ticket, err, is.Ticket.Number)
	}
}

// An offline ticket whose print failed is handed over only once it is
// reprinted; one given up is never handed over, and is reported.
func TestOfflinePrintFails(t *testing.T) {
	tests := []struct {
		name    string
		giveUp  bool
		printed int
	}{
		{"reprinted, then handed over", false, 1},
		{"given up, never handed over", true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.Stop()
			r.eventually("kiosk offline", func() bool { return !r.kiosk.State().Online })
			r.printer.set(protocol.PrinterOK, errors.New("escpos: printer offline: after 2 of 9 bands"))
			r.printer.mu.Lock()
			r.printer.then = protocol.PrinterOffline
			r.printer.mu.Unlock()
			is, err := r.kiosk.Take(context.Background(), "A", "", "vi")
			if !errors.Is(err, kiosk.ErrPrintFailed) || !is.Offline || is.Printed {
				t.Fatalf("take: %+v, %v", is, err)
			}
			if tt.giveUp {
				// The kiosk starts again past the hold with the printer
				// still off.
				r.stopKiosk()
				later := time.Now().Add(kiosk.DefaultHoldFor + time.Minute)
				r.tune = func(o *kiosk.Options) { o.Clock = clock.NewFake(later) }
				r.startKiosk()
			} else {
				r.printer.set(protocol.PrinterOK, nil)
			}
			r.eventually("the ticket reprinted or given up", func() bool {
				return r.printer.count() == tt.printed && (tt.printed == 1 || r.kiosk.Journalled() == 0)
			})
			r.Restart()
			r.eventually("the journal finished", func() bool { return r.kiosk.Journalled() == 0 })
			var n int
			r.eventually("the hand-over settled", func() bool {
				n = storetest.Count(t, r.Store, is.Ticket.Number)
				return n == tt.printed
			})
			if r.printer.count() != tt.printed {
				t.Errorf("%d printed, want %d", r.printer.count(), tt.printed)
			}
			if tt.giveUp && !strings.Contains(r.health().LastError, is.Ticket.Number) {
				t.Errorf("health %+v does not report %s", r.health(), is.Ticket.Number)
			}
		})
	}
}
