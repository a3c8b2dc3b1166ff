package escpos

import (
	"fmt"
	"log/slog"
	"net"
	"time"
)

// Transports.
const (
	TransportSerial = "serial" // RS-232 or USB-serial, through github.com/tarm/serial
	TransportUSB    = "usb"    // USB printer class device file, /dev/usb/lp0
	TransportTCP    = "tcp"    // raw TCP, port 9100
)

// Defaults and limits.
const (
	DefaultBandRows = 24
	DefaultTimeout  = 2 * time.Second
	DefaultTCPPort  = "9100"

	// maxBandRows is the largest band height ESC/POS printers document
	// for GS v 0.
	maxBandRows = 2303
	maxDots     = 4096

	// serialPoll is the serial read timeout (VTIME, in tenths of a second):
	// how long Close waits for the read in progress at most.
	serialPoll = 100 * time.Millisecond
)

// bauds are the rates tarm/serial can set.
var bauds = []int{1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600}

// Options configure a Dev.
type Options struct {
	// Transport is TransportSerial, TransportUSB or TransportTCP.
	Transport string
	// Path is the serial device or the USB printer device file. Prefer a
	// name given by a udev rule (see the package doc) to /dev/ttyUSB0 or
	// /dev/usb/lp0, which change when devices are plugged in another order.
	Path string
	// Baud is the serial line's rate; the printer's self-test page shows it.
	Baud int
	// Addr is the TCP printer's host:port; the port defaults to 9100.
	Addr string
	// PaperDots is the printable width in dots: 384 for 58 mm paper, 576
	// for 80 mm (512 on some 80 mm printers at 180 dpi).
	PaperDots int
	// BandRows is the height of each GS v 0 band; 0 is DefaultBandRows.
	// Small bands suit printers with small receive buffers.
	BandRows int
	// Timeout bounds each step: opening the transport, writing one band
	// (TCP, USB; a serial write cannot be bounded but always drains, as
	// the line has no flow control), and each status answer. 0 is
	// DefaultTimeout.
	Timeout time.Duration
	// NoStatus is for printers that never answer status queries (some USB
	// printers are write-only). Print then sends jobs without asking first,
	// and Status reports Online when the device opens, nothing more.
	NoStatus bool
	// Logger receives the driver's logs; nil is slog.Default().
	Logger *slog.Logger
}

// check validates o and fills in its defaults.
func (o *Options) check() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrOptions, field, fmt.Sprintf(format, args...))
	}
	switch o.Transport {
	case TransportSerial:
		if o.Path == "" {
			return bad("Path", "missing: give the serial device, like /dev/ticket-printer")
		}
		ok := false
		for _, b := range bauds {
			ok = ok || b == o.Baud
		}
		if !ok {
			return bad("Baud", "%d: use the rate on the printer's self-test page, one of %v", o.Baud, bauds)
		}
	case TransportUSB:
		if o.Path == "" {
			return bad("Path", "missing: give the printer device file, like /dev/ticket-printer or /dev/usb/lp0")
		}
	case TransportTCP:
		if o.Addr == "" {
			return bad("Addr", "missing: give the printer's host:port, like 192.168.1.50:9100")
		}
		if _, _, err := net.SplitHostPort(o.Addr); err != nil {
			o.Addr = net.JoinHostPort(o.Addr, DefaultTCPPort)
		}
	default:
		return bad("Transport", "%q: use %q, %q or %q", o.Transport, TransportSerial, TransportUSB, TransportTCP)
	}
	if o.PaperDots <= 0 || o.PaperDots%8 != 0 || o.PaperDots > maxDots {
		return bad("PaperDots", "%d: use 384 for 58 mm paper or 576 for 80 mm", o.PaperDots)
	}
	if o.BandRows == 0 {
		o.BandRows = DefaultBandRows
	}
	if o.BandRows < 0 || o.BandRows > maxBandRows {
		return bad("BandRows", "%d: use 1 to %d, or 0 for %d", o.BandRows, maxBandRows, DefaultBandRows)
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Timeout < 0 {
		return bad("Timeout", "%v is negative", o.Timeout)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return nil
}

// where names the printer in logs and errors.
func (o *Options) where() string {
	if o.Transport == TransportTCP {
		return "tcp:" + o.Addr
	}
	return o.Transport + ":" + o.Path
}
