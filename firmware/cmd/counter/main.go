// Command counter runs a counter terminal on a Raspberry Pi: the staff
// keypad and the citizen's satisfaction keypad on GPIO, the counter display,
// and the device link to the controller. See firmware/counter for what the
// keys do and what the display shows when the controller is unreachable.
package main

import (
	"context"
	"log/slog"
	"path/filepath"

	"periph.io/x/conn/v3/gpio"

	"github.com/sothutu/sothutu/firmware/button"
	"github.com/sothutu/sothutu/firmware/counter"
	"github.com/sothutu/sothutu/firmware/devconfig"
	"github.com/sothutu/sothutu/firmware/link"
	"github.com/sothutu/sothutu/internal/lifecycle"
	"github.com/sothutu/sothutu/protocol"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	devconfig.Main("counter", "/etc/sothutu/counter.yaml", func(ctx context.Context, cfg *config, log *slog.Logger) error {
		return run(ctx, cfg, hardware{pins: button.Pins, display: newDisplay}, log)
	})
}

// hardware finds the terminal's parts; tests pass fakes.
type hardware struct {
	// pins returns the pins of the names, in order; fields name them in
	// messages.
	pins    func(names, fields []string) ([]gpio.PinIn, error)
	display func(cfg displayConfig, log *slog.Logger) (counter.Display, func() error, error)
}

func run(ctx context.Context, cfg *config, hw hardware, log *slog.Logger) error {
	keys := cfg.keys()
	var names, fields []string
	for _, k := range keys {
		names, fields = append(names, k.pin), append(fields, k.field)
	}
	pins, err := hw.pins(names, fields)
	if err != nil {
		return err
	}
	disp, closeDisplay, err := hw.display(cfg.Display, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := closeDisplay(); err != nil {
			log.Warn("close display", "err", err)
		}
	}()

	var c *counter.Counter
	l, err := link.New(link.Options{Broker: cfg.Broker, Centre: cfg.Centre, Device: cfg.Device, Kind: protocol.DeviceCounter,
		Password: cfg.Password, Firmware: version, StateDir: filepath.Join(cfg.StateDir, "link"), Logger: log,
		Health:       func() protocol.Health { return c.Health() },
		OnConnection: func(up bool) { c.OnConnection(up) },
		OnReply:      func(q protocol.Request, r protocol.Reply) { c.OnReply(q, r) }})
	if err != nil {
		return err
	}
	c, err = counter.New(counter.Options{Link: l, Centre: cfg.Centre, Device: cfg.Device, Counter: cfg.Counter,
		Display: disp, Logger: log})
	if err != nil {
		return err
	}
	ks := make([]counter.Key, len(keys))
	for i, k := range keys {
		ks[i] = k.spec
		ks[i].Pin = pins[i]
	}

	// The parts end together. A terminal whose keys cannot be read is of
	// no use: the first part to fail stops the others, and its error ends
	// the program, so that systemd's restart and the journal tell the
	// technician.
	parts, _ := lifecycle.NewGroup(ctx)
	parts.Go("link", l.Run)
	parts.Go("terminal", c.Run)
	if len(ks) > 0 {
		parts.Go("keys", func(ctx context.Context) error { return c.RunKeys(ctx, ks, counter.KeyOptions{}) })
	}
	log.Info("counter terminal started", "device", cfg.Device, "centre", cfg.Centre, "counter", cfg.Counter, "keys", len(ks), "display", cfg.Display.Kind)
	return parts.Wait()
}
