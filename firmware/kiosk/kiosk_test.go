package kiosk_test

import (
	"context"
	"errors"
	"image"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/centre/centretest"
	"github.com/sothutu/sothutu/firmware/kiosk"
	"github.com/sothutu/sothutu/firmware/link"
	"github.com/sothutu/sothutu/protocol"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// printer is a printer whose state and failures the test sets.
type printer struct {
	mu      sync.Mutex
	state   string
	fail    error
	printed []*image.Gray
}

func (p *printer) Print(_ context.Context, img *image.Gray) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return p.fail
	}
	p.printed = append(p.printed, img)
	return nil
}

func (p *printer) State(context.Context) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state
}

func (p *printer) set(state string, fail error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state, p.fail = state, fail
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
}

func newRig(t *testing.T) *rig {
	r := &rig{t: t, Centre: centretest.Start(t, centretest.Options{TickEvery: 100 * time.Millisecond}),
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
	k, err = kiosk.New(kiosk.Options{Link: r.link, Centre: r.Config.ID, Device: d.ID, Printer: r.printer, Renderer: r.render,
		StateDir: filepath.Join(r.Dir, "kiosk"), Offline: &kiosk.Block{From: d.Offline.From, To: d.Offline.To},
		Services: d.Buttons, Location: r.Config.Location, ReplyTimeout: time.Second, StatusEvery: 50 * time.Millisecond, Logger: quiet})
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
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			r.t.Fatalf("not %s within 10s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
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
	if got := r.totals(); got.issued != 1 {
		t.Errorf("controller issued %d", got.issued)
	}
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

// A ticket issued but not printed is kept and can be reprinted.
func TestPrintFailsAfterIssue(t *testing.T) {
	r := newRig(t)
	r.printer.set(protocol.PrinterOK, errors.New("write /dev/usb/lp0: no such device"))
	is, err := r.kiosk.Take(context.Background(), "A", "", "vi")
	if !errors.Is(err, kiosk.ErrPrintFailed) || is.Ticket.Number != "A001" || is.Printed {
		t.Fatalf("take: %+v, %v; want A001 issued, not printed", is, err)
	}
	if got := r.totals(); got.issued != 1 || got.waiting != 1 {
		t.Errorf("the unprinted ticket is not at the controller: %+v", got)
	}
	if st := r.kiosk.State(); st.Last == nil || st.Last.Printed {
		t.Errorf("last ticket %+v, want marked unprinted", st.Last)
	}
	r.printer.set(protocol.PrinterOK, nil)
	again, err := r.kiosk.Reprint(context.Background())
	if err != nil || again.Ticket.Number != "A001" || !again.Printed || r.render.reprints != 1 {
		t.Errorf("reprint: %+v, %v", again, err)
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
		var issued int64
		if err := r.Store.DB().QueryRow(`SELECT issued FROM tickets WHERE number = ?`, n).Scan(&issued); err != nil {
			t.Fatalf("%s not in the store: %v", n, err)
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
	var n int
	if err := r.Store.DB().QueryRow(`SELECT count(*) FROM tickets WHERE number = ?`, is.Ticket.Number).Scan(&n); err != nil || n != 1 {
		t.Errorf("%s stored %d times: %v", is.Ticket.Number, n, err)
	}
	// The next offline number continues after the restart: no collision.
	r.Stop()
	r.eventually("kiosk offline again", func() bool { return !r.kiosk.State().Online })
	again, err := r.kiosk.Take(context.Background(), "E", "", "vi")
	if err != nil || again.Ticket.Number == is.Ticket.Number {
		t.Errorf("second offline ticket %+v, %v; first was %s", again.Ticket, err, is.Ticket.Number)
	}
}
