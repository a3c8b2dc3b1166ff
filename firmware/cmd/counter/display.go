package main

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tarm/serial"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
	"periph.io/x/conn/v3/spi/spireg"
	"periph.io/x/host/v3"

	"github.com/sothutu/sothutu/display"
	"github.com/sothutu/sothutu/display/hd44780"
	"github.com/sothutu/sothutu/display/ht16k33"
	"github.com/sothutu/sothutu/display/max7219"
	"github.com/sothutu/sothutu/display/modbus7seg"
	"github.com/sothutu/sothutu/firmware/counter"
)

// Display kinds: none, a fake that logs, and one per driver of package
// display. A new driver is a new kind here, its settings in displayConfig
// and its case in newDisplay.
const (
	displayNone       = "none"
	displayFake       = "fake"
	displayMAX7219    = "max7219"
	displayHT16K33    = "ht16k33"
	displayHD44780    = "hd44780"
	displayModbus7Seg = "modbus7seg"
)

var displayKinds = []string{displayNone, displayFake, displayMAX7219, displayHT16K33, displayHD44780, displayModbus7Seg}

// displayConfig is the counter display; which fields count depends on Kind.
type displayConfig struct {
	Kind string `yaml:"kind"`
	// Bus is the SPI port (max7219, "SPI0.0") or the I²C bus (ht16k33,
	// hd44780, "1").
	Bus string `yaml:"bus"`
	// Addr is the I²C address; 0 is the driver's default.
	Addr uint16 `yaml:"addr"`
	// Digits is how many places the display has; 0 is the driver's
	// default.
	Digits int `yaml:"digits"`
	// Brightness: max7219 intensity, ht16k33 brightness, 0-15.
	Brightness uint8 `yaml:"brightness"`
	// Caption is hd44780's second line, such as "Quầy 5" (shown without
	// accents: the LCD's character set has none).
	Caption string `yaml:"caption"`
	// Port, Baud, SlaveID, Register, LocalEcho: modbus7seg over RS-485.
	Port      string `yaml:"port"`
	Baud      int    `yaml:"baud"`
	SlaveID   byte   `yaml:"slave_id"`
	Register  uint16 `yaml:"register"`
	LocalEcho bool   `yaml:"local_echo"`
}

// check validates the display's settings and fills in defaults.
func (d *displayConfig) check() error {
	if d.Kind == "" {
		d.Kind = displayNone
	}
	switch d.Kind {
	case displayNone, displayFake:
	case displayMAX7219:
		if d.Bus == "" {
			d.Bus = "SPI0.0"
		}
	case displayHT16K33, displayHD44780:
		if d.Bus == "" {
			d.Bus = "1"
		}
	case displayModbus7Seg:
		if d.Port == "" {
			return errors.New("display.port: missing: the RS-485 adapter, like /dev/ttyUSB0")
		}
		if d.Baud == 0 {
			d.Baud = 9600
		}
		if d.SlaveID < 1 || d.SlaveID > 247 {
			return fmt.Errorf("display.slave_id: %d: the display's Modbus address, 1 to 247", d.SlaveID)
		}
	default:
		return fmt.Errorf("display.kind: %q: use one of %v", d.Kind, displayKinds)
	}
	if d.Brightness > 15 {
		return fmt.Errorf("display.brightness: %d: use 0 to 15", d.Brightness)
	}
	return nil
}

// newDisplay opens the configured display's bus and the display. The
// closer closes the display, then its bus.
func newDisplay(cfg displayConfig, log *slog.Logger) (counter.Display, func() error, error) {
	nop := func() error { return nil }
	switch cfg.Kind {
	case displayNone:
		return noDisplay{}, nop, nil
	case displayFake:
		return logDisplay{log: log.With("part", "display")}, nop, nil
	case displayMAX7219:
		if _, err := host.Init(); err != nil {
			return nil, nil, fmt.Errorf("host.Init: %w", err)
		}
		p, err := spireg.Open(cfg.Bus)
		if err != nil {
			return nil, nil, fmt.Errorf("display.bus: spireg.Open %q: %w (is SPI enabled in raspi-config?)", cfg.Bus, err)
		}
		c, err := p.Connect(physic.MegaHertz, spi.Mode0, 8)
		if err != nil {
			p.Close()
			return nil, nil, fmt.Errorf("display.bus: %s: Connect: %w", cfg.Bus, err)
		}
		d, err := max7219.New(c, &max7219.Opts{Digits: cfg.Digits, Intensity: cfg.Brightness})
		return opened(d, err, p.Close)
	case displayHT16K33, displayHD44780:
		if _, err := host.Init(); err != nil {
			return nil, nil, fmt.Errorf("host.Init: %w", err)
		}
		b, err := i2creg.Open(cfg.Bus)
		if err != nil {
			return nil, nil, fmt.Errorf("display.bus: i2creg.Open %q: %w (is I2C enabled in raspi-config?)", cfg.Bus, err)
		}
		if cfg.Kind == displayHT16K33 {
			d, err := ht16k33.New(b, &ht16k33.Opts{Addr: cfg.Addr, Digits: cfg.Digits, Brightness: cfg.Brightness})
			return opened(d, err, b.Close)
		}
		d, err := hd44780.New(b, &hd44780.Opts{Addr: cfg.Addr, Caption: cfg.Caption})
		return opened(d, err, b.Close)
	case displayModbus7Seg:
		p, err := serial.OpenPort(&serial.Config{Name: cfg.Port, Baud: cfg.Baud, ReadTimeout: 100 * time.Millisecond})
		if err != nil {
			return nil, nil, fmt.Errorf("display.port: serial.OpenPort %s: %w", cfg.Port, err)
		}
		d, err := modbus7seg.New(p, &modbus7seg.Opts{SlaveID: cfg.SlaveID, Register: cfg.Register, Digits: cfg.Digits, LocalEcho: cfg.LocalEcho})
		return opened(d, err, p.Close)
	}
	return nil, nil, fmt.Errorf("display.kind: %q: use one of %v", cfg.Kind, displayKinds)
}

// opened returns a driver that was opened on a bus, or closes the bus.
func opened[D display.Counter](d D, err error, closeBus func() error) (counter.Display, func() error, error) {
	if err != nil {
		closeBus()
		return nil, nil, fmt.Errorf("display: %w", err)
	}
	return d, func() error { return errors.Join(d.Close(), closeBus()) }, nil
}

// noDisplay is a terminal without a display.
type noDisplay struct{}

func (noDisplay) Show(string) error { return nil }

// logDisplay is the fake display, logging what it shows: a terminal tried
// out without its display.
type logDisplay struct{ log *slog.Logger }

func (d logDisplay) Show(text string) error {
	d.log.Info("display", "text", text)
	return nil
}
