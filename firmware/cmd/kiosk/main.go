// Command kiosk runs a ticket kiosk on a Raspberry Pi: service buttons on
// GPIO and a touch page on localhost for Chromium in kiosk mode, a thermal
// printer over serial, USB or TCP, and the device link to the controller.
// See firmware/kiosk for how it behaves when the printer or the controller
// fails.
package main

import (
	"context"
	"fmt"
	"image"
	"log/slog"
	"path/filepath"
	"sync"

	"periph.io/x/conn/v3/gpio"

	"github.com/sothutu/sothutu/firmware/button"
	"github.com/sothutu/sothutu/firmware/devconfig"
	"github.com/sothutu/sothutu/firmware/escpos"
	"github.com/sothutu/sothutu/firmware/kiosk"
	"github.com/sothutu/sothutu/firmware/link"
	"github.com/sothutu/sothutu/firmware/ticket"
	"github.com/sothutu/sothutu/internal/lifecycle"
	"github.com/sothutu/sothutu/protocol"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	devconfig.Main("kiosk", "/etc/sothutu/kiosk.yaml", func(ctx context.Context, cfg *config, log *slog.Logger) error {
		return run(ctx, cfg, button.Pins, log)
	})
}

func run(ctx context.Context, cfg *config, pins func(names, fields []string) ([]gpio.PinIn, error), log *slog.Logger) error {
	var names, fields []string
	for i, b := range cfg.Buttons {
		names, fields = append(names, b.Pin), append(fields, fmt.Sprintf("buttons[%d].pin", i))
	}
	gp, err := pins(names, fields)
	if err != nil {
		return err
	}
	dev, err := escpos.New(escpos.Options{Transport: cfg.Printer.Transport, Path: cfg.Printer.Path, Baud: cfg.Printer.Baud,
		Addr: cfg.Printer.Addr, PaperDots: cfg.Printer.paperDots(), NoStatus: cfg.Printer.NoStatus, Confirm: cfg.Printer.Confirm, Logger: log.With("part", "printer")})
	if err != nil {
		return err
	}
	defer dev.Close()
	layouts, err := newLayouts(cfg.layout())
	if err != nil {
		return err
	}

	var k *kiosk.Kiosk
	l, err := link.New(link.Options{Broker: cfg.Broker, Centre: cfg.Centre, Device: cfg.Device, Kind: protocol.DeviceKiosk,
		Password: cfg.Password, Firmware: version, StateDir: filepath.Join(cfg.StateDir, "link"), Logger: log,
		Health: func() protocol.Health { return k.Health() }})
	if err != nil {
		return err
	}
	opts := kiosk.Options{Link: l, Centre: cfg.Centre, Device: cfg.Device, Printer: printer{dev}, Renderer: layouts,
		StateDir: cfg.StateDir, Services: cfg.Services, Location: cfg.location, HoldFor: cfg.HoldFor,
		StatusEvery: cfg.Printer.StatusEvery, Logger: log}
	if cfg.Offline != nil {
		opts.Offline = &kiosk.Block{From: cfg.Offline.From, To: cfg.Offline.To}
	}
	if k, err = kiosk.New(opts); err != nil {
		return err
	}

	page, err := lifecycle.Listen(cfg.Touch, k.Handler())
	if err != nil {
		return fmt.Errorf("touch page: %w", err)
	}
	log.Info("touch page", "url", "http://"+page.Addr()+"/")

	// The parts end together: the first to fail stops the others, and its
	// error ends the program, for systemd to restart it.
	parts, _ := lifecycle.NewGroup(ctx)
	parts.Go("link", l.Run)
	parts.Go("kiosk", k.Run)
	parts.Go("touch page", page.Serve)
	if len(gp) > 0 {
		buttons := make([]kiosk.Button, len(gp))
		for i, b := range cfg.Buttons {
			buttons[i] = kiosk.Button{Pin: gp[i], Service: b.Service}
		}
		// Buttons that cannot be read leave the touch page: logged, not
		// the kiosk's end.
		parts.Go("buttons", func(ctx context.Context) error {
			if err := k.RunButtons(ctx, buttons, kiosk.ButtonOptions{Lang: cfg.Lang}); !lifecycle.Clean(err) {
				log.Error("buttons", "err", err)
			}
			return nil
		})
	}
	return parts.Wait()
}

// printer adapts the ESC/POS driver to the kiosk.
type printer struct{ dev *escpos.Dev }

func (p printer) Print(ctx context.Context, img *image.Gray) error { return p.dev.Print(ctx, img) }

// State is offline when the printer does not answer and error when its
// answer is garbled (a wrong baud rate, say).
func (p printer) State(ctx context.Context) string {
	s, _ := p.dev.Status(ctx)
	return s.State()
}

// layout is the ticket's layout from the configuration.
func (c *config) layout() ticket.Layout {
	return ticket.Layout{PaperDots: c.Printer.paperDots(), FontPath: c.Font, BoldFontPath: c.BoldFont,
		CentreName: c.CentreName, StatusURL: c.StatusURL, Footer: c.Footer, Location: c.location, Lang: c.Lang}
}

// layouts keeps one ticket renderer per service name (the renderers share
// their parsed fonts).
type layouts struct {
	base ticket.Layout
	mu   sync.Mutex
	by   map[string]*ticket.Renderer
}

func newLayouts(base ticket.Layout) (*layouts, error) {
	l := &layouts{base: base, by: map[string]*ticket.Renderer{}}
	// Load the fonts now: a missing font is a configuration error.
	if _, err := l.renderer(""); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *layouts) renderer(service string) (*ticket.Renderer, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r := l.by[service]; r != nil {
		return r, nil
	}
	layout := l.base
	layout.ServiceName = service
	r, err := ticket.NewRenderer(layout)
	if err != nil {
		return nil, err
	}
	l.by[service] = r
	return r, nil
}

func (l *layouts) Render(t protocol.Ticket, service string, reprint bool) (*image.Gray, error) {
	r, err := l.renderer(service)
	if err != nil {
		return nil, err
	}
	return r.Render(t, reprint)
}
