package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/sothutu/sothutu/controller/centre"
	"github.com/sothutu/sothutu/controller/centre/centretest"
	"github.com/sothutu/sothutu/firmware/devconfig/devconfigtest"
	"github.com/sothutu/sothutu/firmware/escpos/escpostest"
	"github.com/sothutu/sothutu/firmware/kiosk"
	"github.com/sothutu/sothutu/firmware/ticket"
	"github.com/sothutu/sothutu/internal/servertest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestExampleConfig(t *testing.T) {
	c, err := parseConfig("kiosk.example.yaml", exampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	if c.Device != "kiosk-1" || len(c.Buttons) != 4 || c.Printer.paperDots() != 576 || c.Offline.From != 900 {
		t.Errorf("example: %+v", c)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name, from, to string
		want           []string
	}{
		{"unknown field", "broker:", "brokr:", []string{"kiosk.yaml:4:", `unknown field "brokr"`}},
		{"bad broker", "tcp://192.168.1.10:1883", "192.168.1.10", []string{"broker:", "tcp://"}},
		{"button of a service not offered", "{pin: GPIO27, service: B}", "{pin: GPIO27, service: X}", []string{"buttons[1].service", `"X" is not among services`}},
		{"bad transport", "transport: usb", "transport: bluetooth", []string{"printer.transport", "serial, usb or tcp"}},
		{"bad paper", "paper_mm: 80", "paper_mm: 76", []string{"printer.paper_mm", "58 or 80"}},
		{"bad confirmation", "confirm: gs-r", "confirm: gsr", []string{"printer.confirm", "gs-r", "drain"}},
		{"bad zone", "Asia/Ho_Chi_Minh", "Asia/Saigon City", []string{"timezone", "Asia/Ho_Chi_Minh"}},
		{"status url without token", `"http://192.168.1.10:8080/t/%s"`, `"http://192.168.1.10:8080/t/"`, []string{"status_url", "%s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			devconfigtest.Mistake(t, parseConfig, "kiosk.yaml", exampleConfig, tt.from, tt.to, tt.want...)
		})
	}
}

// e2e is the kiosk program running against a controller with its broker
// and a printer on TCP that decodes what it is sent.
type e2e struct {
	url    string
	paper  *escpostest.Device
	wire   *printerWire
	centre *centretest.Centre
	ctl    *centre.Controller
	cfg    *config
	pins   map[string]*gpiotest.Pin
}

func needFont(t testing.TB) {
	servertest.File(t, ticket.DefaultFontPath, "apt-get install -y fonts-dejavu-core")
}

// printerWire serves one printer double on a TCP port, like a network
// printer across reconnections, and can cut its wire.
type printerWire struct {
	addr  string
	mu    sync.Mutex
	conns map[net.Conn]bool
}

func servePrinter(t testing.TB, paper *escpostest.Device) *printerWire {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w := &printerWire{addr: ln.Addr().String(), conns: map[net.Conn]bool{}}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); w.cut(); wg.Wait() })
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			w.mu.Lock()
			w.conns[conn] = true
			w.mu.Unlock()
			wg.Go(func() {
				paper.Serve(conn)
				conn.Close()
				w.mu.Lock()
				delete(w.conns, conn)
				w.mu.Unlock()
			})
		}
	})
	return w
}

// cut closes the printer's connections at once, as a printer that drops
// the connection does: what it has not read yet is lost.
func (w *printerWire) cut() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for c := range w.conns {
		c.Close()
	}
}

// kioskConfig is the example configuration for a kiosk of c on the
// printer at addr, its state in dir and its touch page on touch.
func kioskConfig(t testing.TB, c *centretest.Centre, addr, dir, touch string) (string, *config) {
	yaml := strings.NewReplacer(
		"tcp://192.168.1.10:1883", c.URL,
		"/var/lib/sothutu/kiosk", dir,
		"transport: usb", "transport: tcp",
		"path: /dev/usb/lp0    # better: a udev name, see firmware/escpos/doc.go", "addr: "+addr,
		"status_every: 10s", "status_every: 100ms",
		"127.0.0.1:8081", touch,
	).Replace(string(exampleConfig))
	cfg, err := parseConfig("kiosk.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return yaml, cfg
}

func startKiosk(t testing.TB) *e2e {
	needFont(t)
	c := centretest.Start(t, centretest.Options{Logger: quiet})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })

	paper := escpostest.NewDevice(576)
	wire := servePrinter(t, paper)
	touch := freeAddr(t)
	_, cfg := kioskConfig(t, c, wire.addr, filepath.Join(c.Dir, "kiosk"), touch)
	e := &e2e{url: "http://" + touch, paper: paper, wire: wire, centre: c, ctl: c.Controller(), cfg: cfg, pins: map[string]*gpiotest.Pin{}}
	lookup := func(names, _ []string) ([]gpio.PinIn, error) {
		var out []gpio.PinIn
		for _, n := range names {
			p := &gpiotest.Pin{N: n, L: gpio.High, EdgesChan: make(chan gpio.Level, 4)}
			e.pins[n] = p
			out = append(out, p)
		}
		return out, nil
	}
	wg.Go(func() {
		if err := run(ctx, cfg, lookup, quiet); err != nil {
			t.Error(err)
		}
	})
	waitReady(t, e.url)
	return e
}

// waitReady waits until the touch page says the kiosk is online with its
// printer ready and knows the services' names, which its tickets print.
func waitReady(t testing.TB, url string) {
	t.Helper()
	eventually(t, "kiosk online with its printer ready", func() bool {
		st, err := pageState(url)
		return err == nil && st.Online && st.Ready && len(st.Services) > 0 && st.Services[0].Names["vi"] != st.Services[0].ID
	})
}

// pageState is the touch page's state.
func pageState(url string) (kiosk.State, error) {
	var st kiosk.State
	r, err := http.Get(url + "/api/state")
	if err != nil {
		return st, err
	}
	defer r.Body.Close()
	err = json.NewDecoder(r.Body).Decode(&st)
	return st, err
}

// takeAnswer is the touch page's answer to a take.
type takeAnswer struct {
	Issued *kiosk.Issued `json:"issued"`
	Error  string        `json:"error"`
}

// press asks for a ticket on the touch page.
func press(t testing.TB, url, service string) takeAnswer {
	t.Helper()
	r, err := http.Post(url+"/api/take", "application/json", strings.NewReader(`{"service":"`+service+`","lang":"vi"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var a takeAnswer
	if err := json.NewDecoder(r.Body).Decode(&a); err != nil {
		t.Fatalf("take: %v", err)
	}
	return a
}

// take asks for a ticket on the touch page and returns its number.
func (e *e2e) take(t testing.TB, service string) (number, name string) {
	t.Helper()
	a := press(t, e.url, service)
	if a.Error != "" || a.Issued == nil {
		t.Fatalf("take: %s", a.Error)
	}
	return a.Issued.Ticket.Number, a.Issued.Name
}

// The kiosk program end to end: a GPIO button and the touch page each get a
// ticket from the controller, printed in ESC/POS raster on the printer.
func TestKioskEndToEnd(t *testing.T) {
	e := startKiosk(t)
	// A citizen presses the button of service B (GPIO27).
	e.pins["GPIO27"].EdgesChan <- gpio.Low
	eventually(t, "a ticket printed after the button press", func() bool { return len(e.paper.Tickets()) == 1 })
	e.pins["GPIO27"].EdgesChan <- gpio.High

	// Another takes service A on the touch page.
	if n, name := e.take(t, "A"); n != "A001" || name != "Đất đai" {
		t.Errorf("touch page take: %s %s", n, name)
	}
	printed := e.paper.Tickets()
	if len(printed) != 2 || printed[1].Image.Bounds().Dx() != 576 || printed[1].Image.Bounds().Dy() < 300 {
		t.Fatalf("printed %d tickets", len(printed))
	}
	if err := e.paper.Err(); err != nil {
		t.Errorf("the printer saw bad ESC/POS: %v", err)
	}
	eventually(t, "both tickets confirmed and counted", func() bool {
		s, err := e.ctl.Status(context.Background())
		return err == nil && s.Totals.Issued == 2
	})
	page, err := http.Get(e.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if !strings.Contains(string(body), "Lấy số thứ tự") {
		t.Errorf("touch page without its Vietnamese title")
	}
}

// BenchmarkTake measures a ticket from the touch page's request to its
// answer: the controller's number, the layout, the ESC/POS job written to
// the printer over TCP and the status queries around it.
func BenchmarkTake(b *testing.B) {
	e := startKiosk(b)
	b.ResetTimer()
	for range b.N {
		e.take(b, "C")
	}
}

// freeAddr is a loopback address reserved by servertest: no other test
// is given it before the touch page listens on it.
func freeAddr(t testing.TB) string {
	t.Helper()
	return servertest.Addr(t)
}

// eventually waits up to 15s for ok; explain, if given, logs what was
// seen last before the test fails.
func eventually(t testing.TB, what string, ok func() bool, explain ...func()) {
	t.Helper()
	servertest.Eventually(t, what, 15*time.Second, ok, explain...)
}
