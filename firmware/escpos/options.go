package escpos

import (
	"fmt"
	"image"
	"log/slog"
	"net"
	"slices"
	"time"
)

// Transports.
const (
	TransportSerial = "serial" // RS-232 or USB-serial, through github.com/tarm/serial
	TransportUSB    = "usb"    // USB printer class device file, /dev/usb/lp0
	TransportTCP    = "tcp"    // raw TCP, port 9100
)

// Confirmations: how Print learns that the printer processed a job.
const (
	// ConfirmTransmitStatus sends GS r 1 (transmit paper sensor status)
	// after the cut: a printer answers it only once it has processed all
	// the data before it. Epson's printers and their clones implement it.
	ConfirmTransmitStatus = "gs-r"
	// ConfirmDrain is for a printer that does not answer GS r: Print waits
	// for the time the job needs to cross the line and be printed (see
	// JobTime), then asks DLE EOT, which is answered at once, and takes a
	// printer still online, with paper and its cover shut, to have
	// printed the job. It is an estimate, not a confirmation.
	ConfirmDrain = "drain"
)

// Defaults and limits.
const (
	DefaultBandRows = 24
	DefaultTimeout  = 2 * time.Second
	DefaultTCPPort  = "9100"
	// DefaultPrintSpeed is slower than any ticket printer prints (cheap
	// ones print 50 to 90 mm/s; a weak power supply slows them down).
	DefaultPrintSpeed = 25 // mm/s

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
	// Timeout bounds opening the transport and each status answer, and is
	// the margin of a job's time limit (see JobTime). 0 is DefaultTimeout.
	Timeout time.Duration
	// Confirm is ConfirmTransmitStatus (the default, also for "") or
	// ConfirmDrain. NoStatus printers are never asked.
	Confirm string
	// PrintSpeed is the slowest the printer prints, in mm/s, for a job's
	// time limit; 0 is DefaultPrintSpeed.
	PrintSpeed int
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
	switch o.Confirm {
	case "":
		o.Confirm = ConfirmTransmitStatus
	case ConfirmTransmitStatus, ConfirmDrain:
	default:
		return bad("Confirm", "%q: use %q or %q", o.Confirm, ConfirmTransmitStatus, ConfirmDrain)
	}
	if o.PrintSpeed == 0 {
		o.PrintSpeed = DefaultPrintSpeed
	}
	if o.PrintSpeed < 0 {
		return bad("PrintSpeed", "%d mm/s is negative", o.PrintSpeed)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return nil
}

// JobTime is how long a job of bytes bytes and rows dot rows takes at
// most: send, the time the bytes take on a serial line at 10 bits a byte
// (zero on USB and TCP, which are faster than any printer prints), and
// print, the time the slowest printer takes to print and feed it to the
// cutter. Print gives a job send + print + Timeout to be confirmed.
func (o *Options) JobTime(bytes, rows int) (send, print time.Duration) {
	if o.Transport == TransportSerial && o.Baud > 0 {
		send = SendTime(bytes, o.Baud)
	}
	speed := o.PrintSpeed
	if speed <= 0 {
		speed = DefaultPrintSpeed
	}
	mm := float64(rows)/dotsPerMM + cutterMM
	print = time.Duration(mm / float64(speed) * float64(time.Second))
	return send, print
}

// dotsPerMM is the dot pitch at 203 dpi; cutterMM is at most what GS V 66
// feeds after the image: the head-to-cutter distance and a little more.
const (
	dotsPerMM = 8
	cutterMM  = 20
)

// SendTime is how long bytes take on a serial line at baud, 8N1: ten bits
// a byte.
func SendTime(bytes, baud int) time.Duration {
	return time.Duration(bytes) * 10 * time.Second / time.Duration(baud)
}

// MaxSendTime is the longest a citizen should wait for an ordinary ticket
// to cross a serial line.
const MaxSendTime = 15 * time.Second

// CheckBaud reports whether a serial line at baud sends the ticket img
// within MaxSendTime, and if not, which rate to set; nil if it does.
func CheckBaud(baud int, img *image.Gray) error {
	if err := CheckImage(img, maxDots); err != nil {
		return fmt.Errorf("escpos: CheckBaud: %w", err)
	}
	if !slices.Contains(bauds, baud) {
		return fmt.Errorf("%d is not a serial rate; use the printer's, one of %v", baud, bauds)
	}
	n := JobBytes(img) + confirmLen
	t := SendTime(n, baud)
	if t <= MaxSendTime {
		return nil
	}
	paper := fmt.Sprintf("%d-dot", img.Rect.Dx())
	switch img.Rect.Dx() {
	case 384:
		paper = "58 mm"
	case 576:
		paper = "80 mm"
	}
	for _, b := range bauds {
		if SendTime(n, b) <= MaxSendTime {
			return fmt.Errorf("%d baud sends this %s ticket (%d bytes) in %.0f s; set %d or more in the printer and here",
				baud, paper, n, t.Seconds(), b)
		}
	}
	return fmt.Errorf("this %s ticket (%d bytes) takes more than %v at any serial rate", paper, n, MaxSendTime)
}

// where names the printer in logs and errors.
func (o *Options) where() string {
	if o.Transport == TransportTCP {
		return "tcp:" + o.Addr
	}
	return o.Transport + ":" + o.Path
}
