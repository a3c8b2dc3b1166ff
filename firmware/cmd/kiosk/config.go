package main

import (
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // the centre's zone without system tzdata

	"github.com/sothutu/sothutu/firmware/devconfig"
	"github.com/sothutu/sothutu/firmware/escpos"
	"github.com/sothutu/sothutu/firmware/ticket"
	"github.com/sothutu/sothutu/protocol"
)

//go:embed kiosk.example.yaml
var exampleConfig []byte

// config is the kiosk's configuration file.
type config struct {
	devconfig.Link `yaml:",inline"`
	Timezone       string         `yaml:"timezone"`
	Lang           string         `yaml:"lang"`
	CentreName     string         `yaml:"centre_name"`
	StatusURL      string         `yaml:"status_url"`
	Footer         string         `yaml:"footer"`
	Services       []string       `yaml:"services"`
	Buttons        []buttonConfig `yaml:"buttons"`
	Offline        *blockConfig   `yaml:"offline"`
	Printer        printerConfig  `yaml:"printer"`
	Font           string         `yaml:"font"`
	BoldFont       string         `yaml:"bold_font"`
	Touch          string         `yaml:"touch"`
	// HoldFor is how long a ticket not printed waits for its reprint before
	// the kiosk gives it up: the centre's rules.hold_for.
	HoldFor time.Duration `yaml:"hold_for"`

	location *time.Location
}

type buttonConfig struct {
	Pin      string `yaml:"pin"`
	Service  string `yaml:"service"`
	Priority bool   `yaml:"priority"`
}

type blockConfig struct {
	From int `yaml:"from"`
	To   int `yaml:"to"`
}

type printerConfig struct {
	Transport string `yaml:"transport"`
	Path      string `yaml:"path"`
	Baud      int    `yaml:"baud"`
	Addr      string `yaml:"addr"`
	PaperMM   int    `yaml:"paper_mm"`
	NoStatus  bool   `yaml:"no_status"`
	// Confirm is how the kiosk learns that a ticket printed in full: "gs-r"
	// (the default: the printer answers GS r after the data before it) or
	// "drain" for a printer that does not answer GS r (the kiosk waits the
	// ticket's print time, then asks the real-time status).
	Confirm string `yaml:"confirm"`
	// StatusEvery is how often the printer is asked for its state between
	// tickets; 0 is every 10s.
	StatusEvery time.Duration `yaml:"status_every"`
}

// parseConfig reads and checks the kiosk's configuration.
var parseConfig = devconfig.Parse[config]

// problems gathers what is wrong with a configuration, each naming its field.
type problems []error

func (ps *problems) add(field, format string, args ...any) {
	*ps = append(*ps, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
}

// Check fills in the defaults and returns what is wrong, naming each field.
func (c *config) Check() error {
	var ps problems
	ps = append(ps, c.Link.Check("kiosk")...)
	c.checkTicket(&ps)
	c.checkServices(&ps)
	c.checkPrinter(&ps)
	if c.Touch == "" {
		c.Touch = "127.0.0.1:8081"
	}
	if c.HoldFor < 0 || c.HoldFor > 2*time.Hour {
		ps.add("hold_for", "%s: copy rules.hold_for from the centre's configuration (30s to 2h)", c.HoldFor)
	}
	c.Printer.checkStatus(&ps)
	return errors.Join(ps...)
}

// checkTicket checks what the ticket says: the centre, its zone and language.
func (c *config) checkTicket(ps *problems) {
	if c.Timezone == "" {
		c.Timezone = "Asia/Ho_Chi_Minh"
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		ps.add("timezone", "%q is not a time zone; write it like Asia/Ho_Chi_Minh", c.Timezone)
	}
	c.location = loc
	if c.Lang == "" {
		c.Lang = "vi"
	}
	if c.Lang != "vi" && c.Lang != "en" {
		ps.add("lang", "%q: use vi or en", c.Lang)
	}
	if c.CentreName == "" {
		ps.add("centre_name", "missing: the name printed at the top of each ticket")
	}
	if c.StatusURL != "" && strings.Count(c.StatusURL, "%s") != 1 {
		ps.add("status_url", "%q needs one %%s where the ticket's token goes", c.StatusURL)
	}
}

// checkServices checks the services offered, their buttons and the offline
// block.
func (c *config) checkServices(ps *problems) {
	if len(c.Services) == 0 {
		ps.add("services", "missing: list the service ids offered, like [A, B, C]")
	}
	for i, s := range c.Services {
		if err := protocol.CheckID(fmt.Sprintf("services[%d]", i), s); err != nil {
			*ps = append(*ps, err)
		}
	}
	priority := 0
	for i, b := range c.Buttons {
		field := fmt.Sprintf("buttons[%d]", i)
		if b.Pin == "" {
			ps.add(field+".pin", "missing: the GPIO pin name, like GPIO17")
		}
		switch {
		case b.Priority && b.Service != "":
			ps.add(field, "a button is either a service's or the priority button, not both")
		case b.Priority:
			priority++
		case !slices.Contains(c.Services, b.Service):
			ps.add(field+".service", "%q is not among services %v", b.Service, c.Services)
		}
	}
	if priority > 1 {
		ps.add("buttons", "%d priority buttons; one is enough", priority)
	}
	if c.Offline != nil && (c.Offline.From < 1 || c.Offline.To < c.Offline.From) {
		ps.add("offline", "from %d to %d is not a block; copy it from the centre's configuration", c.Offline.From, c.Offline.To)
	}
}

// checkPrinter checks how the printer is reached, its paper, and that its
// serial line, if any, is fast enough for a ticket.
func (c *config) checkPrinter(ps *problems) {
	p := &c.Printer
	switch p.Transport {
	case escpos.TransportSerial, escpos.TransportUSB:
		if p.Path == "" {
			ps.add("printer.path", "missing: the device, like /dev/usb/lp0 or a udev name like /dev/ticket-printer")
		}
	case escpos.TransportTCP:
		if p.Addr == "" {
			ps.add("printer.addr", "missing: the printer's address, like 192.168.1.50:9100")
		}
	default:
		ps.add("printer.transport", "%q: use serial, usb or tcp", p.Transport)
	}
	switch p.PaperMM {
	case 0, 80:
		p.PaperMM = 80
	case 58:
	default:
		ps.add("printer.paper_mm", "%d: use 58 or 80", p.PaperMM)
	}
	if p.Transport != escpos.TransportSerial {
		return
	}
	// The largest ordinary ticket must cross the line within
	// escpos.MaxSendTime. Without its fonts there is no ticket to
	// measure; the kiosk reports them missing when it starts.
	img, err := ticket.Largest(ticket.Layout{PaperDots: p.paperDots(), FontPath: c.Font, BoldFontPath: c.BoldFont,
		CentreName: c.CentreName, StatusURL: c.StatusURL, Footer: c.Footer, Lang: c.Lang})
	if err == nil {
		if err := escpos.CheckBaud(p.Baud, img); err != nil {
			ps.add("printer.baud", "%v", err)
		}
	}
}

// checkStatus checks how the printer's state and jobs are confirmed.
func (p printerConfig) checkStatus(ps *problems) {
	switch p.Confirm {
	case "", escpos.ConfirmTransmitStatus, escpos.ConfirmDrain:
	default:
		ps.add("printer.confirm", "%q: use %s (the printer answers GS r) or %s (it does not: tickets are then taken as printed after their print time)",
			p.Confirm, escpos.ConfirmTransmitStatus, escpos.ConfirmDrain)
	}
	if p.StatusEvery < 0 || p.StatusEvery > 10*time.Minute {
		ps.add("printer.status_every", "%s: give a duration like 10s, at most 10m", p.StatusEvery)
	}
}

// paperDots is the printable width for the paper.
func (p printerConfig) paperDots() int {
	if p.PaperMM == 58 {
		return 384
	}
	return 576
}
