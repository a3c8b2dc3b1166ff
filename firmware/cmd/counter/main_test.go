package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/sothutu/sothutu/controller/centre/centretest"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/controller/store/storetest"
	"github.com/sothutu/sothutu/firmware/counter"
	"github.com/sothutu/sothutu/firmware/devconfig/devconfigtest"
	"github.com/sothutu/sothutu/internal/servertest"
	"github.com/sothutu/sothutu/protocol"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestExampleConfig(t *testing.T) {
	c, err := parseConfig("counter.example.yaml", exampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	if c.Device != "counter-1" || c.Counter != "1" || c.Display.Kind != displayNone {
		t.Errorf("example: %+v", c)
	}
	keys := c.keys()
	if len(keys) != 11 {
		t.Fatalf("%d keys, want 11", len(keys))
	}
	if k := keys[6]; k.pin != "GPIO5" || k.spec.Op != protocol.OpTransfer || k.spec.ToService != "B" {
		t.Errorf("transfer key %+v", k)
	}
	if k := keys[10]; k.pin != "GPIO26" || k.spec.Op != protocol.OpRate || k.spec.Rating != protocol.RatingDissatisfied {
		t.Errorf("last satisfaction key %+v", k)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name, from, to string
		want           []string
	}{
		{"unknown field", "broker:", "brokr:", []string{"counter.yaml:6:", `unknown field "brokr"`}},
		{"unknown key", "  park: GPIO24", "  parked: GPIO24", []string{"counter.yaml:", `unknown field "parked"`}},
		{"bad broker", "tcp://192.168.1.10:1883", "192.168.1.10", []string{"broker:", "tcp://"}},
		{"no counter", `counter: "1"`, `counter: ""`, []string{"counter", `counter: "1"`}},
		{"short password", "doi-mat-khau-counter-1", "abc", []string{"password:", "8 characters"}},
		{"pin used twice", "call_again: GPIO27", "call_again: GPIO17", []string{"keys.call_again", "GPIO17 is also keys.call_next"}},
		{"bad pin name", "neutral: GPIO19", "neutral: pin 35", []string{"satisfaction.neutral", "GPIO17"}},
		{"transfer without a service", "{pin: GPIO5, to_service: B}", "{pin: GPIO5}", []string{"transfer_keys[0].to_service"}},
		{"transfer without a pin", "{pin: GPIO5, to_service: B}", "{to_service: B}", []string{"transfer_keys[0].pin", "missing"}},
		{"bad display", "kind: none", "kind: hdmi", []string{"display.kind", `"hdmi"`, "max7219"}},
		{"modbus display without a port", "kind: none", "kind: modbus7seg", []string{"display.port", "/dev/ttyUSB0"}},
		{"modbus display without an address", "kind: none", "{kind: modbus7seg, port: /dev/ttyUSB0}", []string{"display.slave_id", "1 to 247"}},
		{"too bright", "kind: none", "{kind: max7219, brightness: 16}", []string{"display.brightness", "0 to 15"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			devconfigtest.Mistake(t, parseConfig, "counter.yaml", exampleConfig, tt.from, tt.to, tt.want...)
		})
	}
}

func TestDisplayKinds(t *testing.T) {
	for _, kind := range []string{displayNone, displayFake} {
		d, closeDisplay, err := newDisplay(displayConfig{Kind: kind}, quiet)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if err := d.Show("A023"); err != nil {
			t.Errorf("%s: Show: %v", kind, err)
		}
		if err := closeDisplay(); err != nil {
			t.Errorf("%s: close: %v", kind, err)
		}
	}
	// A bus that is not there is an error naming the setting, not a panic.
	c := displayConfig{Kind: displayModbus7Seg, Port: filepath.Join(t.TempDir(), "ttyUSB9"), SlaveID: 1}
	if err := c.check(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := newDisplay(c, quiet); err == nil || !strings.Contains(err.Error(), "display.port") {
		t.Errorf("missing serial port: %v", err)
	}
}

// screen records what the display shows.
type screen struct {
	mu   sync.Mutex
	text string
}

func (s *screen) Show(text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.text = text
	return nil
}

func (s *screen) shown() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.text
}

// The counter program end to end: the call next key on GPIO17 calls the
// ticket a kiosk took, the display shows it and the hall board has it; the
// satisfaction key rates it after complete.
func TestCounterEndToEnd(t *testing.T) {
	c := centretest.Start(t, centretest.Options{Logger: quiet})
	ctl, dir := c.Controller(), c.Dir
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })

	yaml := strings.NewReplacer(
		"tcp://192.168.1.10:1883", c.URL,
		"/var/lib/sothutu/counter", filepath.Join(dir, "counter"),
		"kind: none", "kind: fake",
	).Replace(string(exampleConfig))
	cfg, err := parseConfig("counter.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	pins := map[string]*gpiotest.Pin{}
	scr := &screen{}
	hw := hardware{
		pins: func(names, _ []string) ([]gpio.PinIn, error) {
			var out []gpio.PinIn
			for _, n := range names {
				p := &gpiotest.Pin{N: n, L: gpio.High, EdgesChan: make(chan gpio.Level)}
				pins[n] = p
				out = append(out, p)
			}
			return out, nil
		},
		display: func(c displayConfig, log *slog.Logger) (counter.Display, func() error, error) {
			if _, _, err := newDisplay(c, log); err != nil {
				return nil, nil, err
			}
			return scr, func() error { return nil }, nil
		},
	}
	wg.Go(func() {
		if err := run(ctx, cfg, hw, quiet); err != nil {
			t.Error(err)
		}
	})
	eventually(t, "the terminal showing the idle counter", func() bool { return scr.shown() == counter.TextIdle })
	for n, p := range pins {
		eventually(t, n+" an input", func() bool {
			p.Lock()
			defer p.Unlock()
			return p.P == gpio.PullUp
		})
	}

	r, err := ctl.Do(context.Background(), engine.Actor{Device: "kiosk-1", Kind: protocol.DeviceKiosk},
		protocol.Request{Key: "t1", Op: protocol.OpTicket, Service: "A"})
	if err != nil || !r.OK {
		t.Fatalf("ticket: %+v, %v", r, err)
	}
	press := func(pin string) {
		pins[pin].EdgesChan <- gpio.Low
		pins[pin].EdgesChan <- gpio.High
	}
	press("GPIO17") // call next
	eventually(t, "A001 on the display", func() bool { return scr.shown() == "A001" })
	s, err := ctl.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Counters) == 0 || s.Counters[0].Counter != "1" || s.Counters[0].Ticket != "A001" {
		t.Errorf("controller's counters: %+v", s.Counters)
	}
	press("GPIO22") // complete
	eventually(t, "the display idle", func() bool { return scr.shown() == counter.TextIdle })
	press("GPIO13") // satisfied
	eventually(t, "the rating stored", func() bool {
		ticket := storetest.Ticket(t, c.Store, "A001")
		return ticket != nil && ticket.Rating == protocol.RatingSatisfied
	})
	eventually(t, "the terminal's health at the controller", func() bool {
		d := ctl.Devices()["counter-1"]
		return d.Health != nil && d.Health.Status == protocol.HealthOK
	})
}

// eventually is servertest.Eventually with this package's 15 s.
func eventually(t testing.TB, what string, ok func() bool) {
	t.Helper()
	servertest.Eventually(t, what, 15*time.Second, ok)
}
