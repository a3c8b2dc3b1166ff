package kiosk_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/sothutu/sothutu/firmware/kiosk"
	"github.com/sothutu/sothutu/protocol"
)

// One press, one ticket: a bounce, a held button and a second press within
// the lockout give no more tickets; the priority button marks the next one.
func TestButtons(t *testing.T) {
	r := newRig(t)
	a, _ := r.runButtons(kiosk.ButtonOptions{Debounce: 1, Lockout: 1 << 62})
	// A press that bounces: low, high, low within the debounce, then held.
	a.EdgesChan <- gpio.Low
	r.eventually("the first ticket", func() bool { return r.printer.count() == 1 })
	a.EdgesChan <- gpio.Low // held: no release in between
	a.EdgesChan <- gpio.High
	a.EdgesChan <- gpio.Low // pressed again within the lockout
	a.EdgesChan <- gpio.High
	if n := r.printer.count(); n != 1 {
		t.Errorf("%d tickets, want 1 for one press", n)
	}
	r.eventually("the ticket confirmed and counted", func() bool { return r.totals().issued == 1 })
}

// runButtons runs the kiosk's buttons until the test ends: service A's
// on GPIO17 and the priority button on GPIO5, once both are inputs.
func (r *rig) runButtons(opts kiosk.ButtonOptions) (a, prio *gpiotest.Pin) {
	a = &gpiotest.Pin{N: "GPIO17", EdgesChan: make(chan gpio.Level)}
	prio = &gpiotest.Pin{N: "GPIO5", EdgesChan: make(chan gpio.Level)}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		r.kiosk.RunButtons(ctx, []kiosk.Button{{Pin: a, Service: "A"}, {Pin: prio}}, opts)
	})
	r.t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	r.waitInput(a, prio)
	return a, prio
}

// waitInput waits until the pins are set as pulled-up inputs: an edge sent
// before would be flushed.
func (r *rig) waitInput(pins ...*gpiotest.Pin) {
	for _, p := range pins {
		r.eventually(p.N+" an input", func() bool {
			p.Lock()
			defer p.Unlock()
			return p.P == gpio.PullUp
		})
	}
}

func TestPriorityButton(t *testing.T) {
	r := newRig(t)
	a, prio := r.runButtons(kiosk.ButtonOptions{Debounce: 1})
	prio.EdgesChan <- gpio.Low
	prio.EdgesChan <- gpio.High
	a.EdgesChan <- gpio.Low
	r.eventually("a ticket", func() bool { return r.printer.count() == 1 })
	if last := r.kiosk.State().Last; last == nil || last.Ticket.Priority != protocol.PriorityElderly {
		t.Errorf("ticket after the priority button: %+v", last)
	}
}

func TestTouchPage(t *testing.T) {
	r := newRig(t)
	srv := httptest.NewServer(r.kiosk.Handler())
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/api/take", "application/json", strings.NewReader(`{"service":"C","lang":"en"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("take: %s", resp.Status)
	}
	r.printer.set(protocol.PrinterCover, nil)
	r.eventually("cover open seen", func() bool { return !r.kiosk.State().Ready })
	resp, err = http.Post(srv.URL+"/api/take", "application/json", strings.NewReader(`{"service":"C","lang":"vi"}`))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	buf := make([]byte, 4096)
	n, _ := resp.Body.Read(buf)
	b.Write(buf[:n])
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(b.String(), "Máy in tạm ngưng") {
		t.Errorf("take with the cover open: %s %s", resp.Status, b.String())
	}
}
