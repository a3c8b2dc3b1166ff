package escpostest

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
)

// maxErrors bounds the protocol errors a Device keeps.
const maxErrors = 20

// Ticket is what came out of a Device between two cuts.
type Ticket struct {
	// Image is the raster bands stacked: 0x00 printed, 0xFF blank. Nil if
	// the paper was cut with nothing printed.
	Image *image.Gray
	// Bands are the rows of each GS v 0 band, in order.
	Bands []int
	// Partial: the cut was partial.
	Partial bool
}

// paper is what was printed since the last cut.
type paper struct {
	width int
	pix   []uint8
	bands []int
}

// Device is a printer at the other end of a wire: it reads an ESC/POS byte
// stream, prints GS v 0 bands onto paper, cuts tickets off, and answers
// DLE EOT status queries. It understands only what a raster ticket printer
// needs (ESC @, GS v 0, GS V, ESC J, ESC d, LF, DLE EOT 1-4) and records an
// error for anything else, or for raster data that a real printer would
// partly take for real-time commands. Tests assert that Err is nil.
//
// One Device may Serve several connections in turn, like one printer
// across cable replugs and TCP reconnections.
type Device struct {
	paperDots int

	mu      sync.Mutex
	answers [4]byte
	mute    bool
	log     []string
	tickets []Ticket
	paper   *paper // printed, not cut yet
	errs    []error
	dropped int
	onCmd   func(string)
}

// NewDevice returns a ready printer with paper paperDots wide.
func NewDevice(paperDots int) *Device {
	return &Device{paperDots: paperDots, answers: Ready}
}

// SetStatus sets the answers to DLE EOT 1, 2, 3 and 4: Ready, PaperLow,
// PaperOut, CoverOpen, CutterJam, or any other bytes.
func (d *Device) SetStatus(answers [4]byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.answers = answers
}

// SetMute makes the Device answer no status query, like a printer that is
// switched off or a write-only USB printer.
func (d *Device) SetMute(mute bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.mute = mute
}

// OnCommand sets f to be called with each command's log entry once the
// Device has acted on it (a status query: before answering), on Serve's
// goroutine. While f runs the Device reads nothing, like a printer busy
// printing.
func (d *Device) OnCommand(f func(cmd string)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.onCmd = f
}

// Tickets returns the tickets cut so far.
func (d *Device) Tickets() []Ticket {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Ticket(nil), d.tickets...)
}

// Log returns the commands read so far, one entry each: "ESC @",
// "GS v 0 576x24" (width in dots, rows), "GS V 66 24", "DLE EOT 1",
// "DLE EOT 1 unanswered", "ESC J 10", "ESC d 2", "LF".
func (d *Device) Log() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.log...)
}

// Err returns the protocol errors seen so far, joined; nil if none.
func (d *Device) Err() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	errs := d.errs
	if d.dropped > 0 {
		errs = append(errs[:len(errs):len(errs)], fmt.Errorf("escpostest: and %d more errors", d.dropped))
	}
	return errors.Join(errs...)
}

// Serve reads commands from rw until reading fails, answering status
// queries on rw. It returns nil when rw was closed at either end (EOF, a
// closed file or connection, or EIO from a pseudo-terminal whose other
// side closed), and the error otherwise.
func (d *Device) Serve(rw io.ReadWriter) error {
	s := &session{d: d, rw: rw, r: bufio.NewReader(rw)}
	err := s.run()
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed), errors.Is(err, os.ErrClosed), errors.Is(err, syscall.EIO),
		errors.Is(err, syscall.ECONNRESET):
		return nil
	}
	return fmt.Errorf("escpostest: Serve: %w", err)
}

// session is one Serve: the parser's position in one byte stream.
type session struct {
	d   *Device
	rw  io.ReadWriter
	r   *bufio.Reader
	off int64 // offset of the next byte in this stream
}

func (s *session) byte() (byte, error) {
	c, err := s.r.ReadByte()
	if err == nil {
		s.off++
	}
	return c, err
}

func (s *session) bytes(n int) ([]byte, error) {
	b := make([]byte, n)
	k, err := io.ReadFull(s.r, b)
	s.off += int64(k)
	return b, err
}

// fail records a protocol error at offset at of this stream.
func (s *session) fail(at int64, format string, args ...any) {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	if len(s.d.errs) >= maxErrors {
		s.d.dropped++
		return
	}
	s.d.errs = append(s.d.errs, fmt.Errorf("escpostest: byte %d: %s", at, fmt.Sprintf(format, args...)))
}

// did logs a command and calls the OnCommand hook.
func (s *session) did(format string, args ...any) {
	cmd := fmt.Sprintf(format, args...)
	s.d.mu.Lock()
	s.d.log = append(s.d.log, cmd)
	f := s.d.onCmd
	s.d.mu.Unlock()
	if f != nil {
		f(cmd)
	}
}

func (s *session) run() error {
	for {
		at := s.off
		c, err := s.byte()
		if err != nil {
			return err
		}
		switch c {
		case 0x0A:
			s.did("LF")
		case 0x1B:
			err = s.esc(at)
		case 0x1D:
			err = s.gs(at)
		case 0x10:
			err = s.dle(at)
		default:
			s.fail(at, "unexpected 0x%02x", c)
		}
		if err != nil {
			return err
		}
	}
}

func (s *session) esc(at int64) error {
	c, err := s.byte()
	if err != nil {
		return err
	}
	switch c {
	case '@':
		s.did("ESC @")
	case 'J', 'd':
		n, err := s.byte()
		if err != nil {
			return err
		}
		s.did("ESC %c %d", c, n)
	default:
		s.fail(at, "unknown command ESC 0x%02x", c)
	}
	return nil
}

func (s *session) gs(at int64) error {
	c, err := s.byte()
	if err != nil {
		return err
	}
	switch c {
	case 'v':
		return s.raster(at)
	case 'V':
		m, err := s.byte()
		if err != nil {
			return err
		}
		cmd := fmt.Sprintf("GS V %d", m)
		switch m {
		case 0, 1, '0', '1':
		case 65, 66:
			n, err := s.byte()
			if err != nil {
				return err
			}
			cmd += fmt.Sprintf(" %d", n)
		default:
			s.fail(at, "GS V with unknown mode %d", m)
			return nil
		}
		s.cut(m == 1 || m == '1' || m == 66)
		s.did("%s", cmd)
	default:
		s.fail(at, "unknown command GS 0x%02x", c)
	}
	return nil
}

// raster reads GS v 0 m xL xH yL yH d1...dk, the GS v already read.
func (s *session) raster(at int64) error {
	c, err := s.byte()
	if err != nil {
		return err
	}
	if c != '0' {
		s.fail(at, "GS v 0x%02x: only GS v 0 is known", c)
		return nil
	}
	h, err := s.bytes(5)
	if err != nil {
		return err
	}
	m, wb, rows := h[0], int(h[1])|int(h[2])<<8, int(h[3])|int(h[4])<<8
	ok := false
	switch {
	case m != 0 && m != '0':
		s.fail(at, "GS v 0 mode %d: only normal size is known", m)
	case wb == 0 || rows == 0:
		s.fail(at, "GS v 0 of %dx%d", wb*8, rows)
	case wb*8 > s.d.paperDots:
		s.fail(at, "GS v 0 %d dots wide on paper of %d", wb*8, s.d.paperDots)
	default:
		ok = true
	}
	data, err := s.bytes(wb * rows)
	if err != nil || !ok {
		return err
	}
	for i := 0; i+1 < len(data); i++ {
		if data[i] == 0x10 && (data[i+1] == 0x04 || data[i+1] == 0x05 || data[i+1] == 0x14) {
			s.fail(at+8+int64(i), "raster data holds DLE 0x%02x, which a real printer acts on as a real-time command", data[i+1])
		}
	}
	if err := s.d.print(wb*8, rows, data); err != nil {
		s.fail(at, "%v", err)
		return nil
	}
	s.did("GS v 0 %dx%d", wb*8, rows)
	return nil
}

// print adds a band to the paper not cut yet.
func (d *Device) print(width, rows int, data []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.paper
	if p == nil {
		p = &paper{width: width}
		d.paper = p
	}
	if p.width != width {
		return fmt.Errorf("band %d dots wide after bands %d wide", width, p.width)
	}
	wb := width / 8
	for y := range rows {
		for x := range width {
			v := uint8(0xFF)
			if data[y*wb+x/8]&(0x80>>(x%8)) != 0 {
				v = 0
			}
			p.pix = append(p.pix, v)
		}
	}
	p.bands = append(p.bands, rows)
	return nil
}

func (s *session) cut(partial bool) {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	t := Ticket{Partial: partial}
	if p := s.d.paper; p != nil {
		t.Image = &image.Gray{Pix: p.pix, Stride: p.width, Rect: image.Rect(0, 0, p.width, len(p.pix)/p.width)}
		t.Bands = p.bands
	}
	s.d.paper = nil
	s.d.tickets = append(s.d.tickets, t)
}

// dle reads a real-time command and answers DLE EOT n.
func (s *session) dle(at int64) error {
	c, err := s.byte()
	if err != nil {
		return err
	}
	if c != 0x04 {
		s.fail(at, "unknown real-time command DLE 0x%02x", c)
		return nil
	}
	n, err := s.byte()
	if err != nil {
		return err
	}
	if n < 1 || n > 4 {
		s.fail(at, "DLE EOT %d: only 1 to 4 are known", n)
		return nil
	}
	s.d.mu.Lock()
	mute, answer := s.d.mute, s.d.answers[n-1]
	s.d.mu.Unlock()
	if mute {
		s.did("DLE EOT %d unanswered", n)
		return nil
	}
	s.did("DLE EOT %d", n)
	_, err = s.rw.Write([]byte{answer})
	return err
}
