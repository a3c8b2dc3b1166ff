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
	"time"
)

// maxErrors bounds the protocol errors a Device keeps.
const maxErrors = 20

// receiveBuffer is how many bytes a Device takes off the wire ahead of
// what it is processing, like a printer's receive buffer: real-time
// commands among them are answered at once.
const receiveBuffer = 4096

// Ticket is what came out of a Device between two cuts.
type Ticket struct {
	// Image is the paper as printed, as wide as the paper: raster bands
	// from its left edge and the rows fed by ESC J, stacked; 0x00 printed,
	// 0xFF blank. Nil if the paper was cut with nothing printed or fed.
	Image *image.Gray
	// Bands are the rows of each GS v 0 band, in order.
	Bands []int
	// Partial: the cut was partial.
	Partial bool
}

// paper is what was printed since the last cut.
type paper struct {
	pix   []uint8 // rows of paperDots
	bands []int
}

// Device is a printer at the other end of a wire: it reads an ESC/POS byte
// stream, prints GS v 0 bands onto paper, cuts tickets off, and answers
// status queries as a real printer does: DLE EOT at once, as soon as its
// bytes arrive, even while earlier data waits to be processed; GS r only
// once everything before it has been processed, and not while the printer
// is off-line (cover open, paper out), when it processes nothing. It
// understands only what a raster ticket printer needs (ESC @, GS v 0,
// GS V, ESC J, ESC d, LF, GS r 1, DLE EOT 1-4) and records an error for
// anything else, or for raster data that a real printer would partly take
// for real-time commands. Tests assert that Err is nil.
//
// One Device may Serve several connections in turn, like one printer
// across cable replugs and TCP reconnections.
type Device struct {
	paperDots int

	mu      sync.Mutex
	answers [4]byte
	changed chan struct{} // closed and replaced when answers change
	mute    bool
	noGSr   bool
	delay   time.Duration
	baud    int
	log     []string
	tickets []Ticket
	paper   *paper // printed, not cut yet
	errs    []error
	dropped int
	onCmd   func(string)
}

// NewDevice returns a ready printer with paper paperDots wide.
func NewDevice(paperDots int) *Device {
	return &Device{paperDots: paperDots, answers: Ready, changed: make(chan struct{})}
}

// SetStatus sets the answers to DLE EOT 1, 2, 3 and 4: Ready, PaperLow,
// PaperOut, CoverOpen, CutterJam, or any other bytes. The answer to GS r 1
// follows from the fourth. While the first says off-line (bit 3), the
// Device processes nothing but real-time commands, as a printer with its
// cover open does; it goes on when the status changes back.
func (d *Device) SetStatus(answers [4]byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.answers = answers
	close(d.changed)
	d.changed = make(chan struct{})
}

// SetMute makes the Device answer no status query, like a printer that is
// switched off or a write-only USB printer.
func (d *Device) SetMute(mute bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.mute = mute
}

// SetNoTransmitStatus makes the Device read GS r and never answer it, like
// a printer that does not implement it; DLE EOT is still answered.
func (d *Device) SetNoTransmitStatus(no bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.noGSr = no
}

// SetDelay delays every answer to DLE EOT by delay, like a printer that
// answers late; zero answers at once.
func (d *Device) SetDelay(delay time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.delay = delay
}

// SetBaud paces the bytes the Device reads at a serial line's rate, 10
// bits a byte, as a real line does; the writer then blocks as a serial
// writer does once its buffers are full. Zero reads as fast as they come.
// It applies to the next Serve.
func (d *Device) SetBaud(baud int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.baud = baud
}

// OnCommand sets f to be called with each command's log entry once the
// Device has acted on it (a status query: before answering), on one of
// Serve's goroutines. While f runs for a command the Device processes
// nothing more, like a printer busy printing, and its receive buffer
// fills; while it runs for a DLE EOT, the Device reads nothing.
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
// "GS v 0 576x24" (width in dots, rows), "GS V 66 24", "GS r 1",
// "GS r 1 unanswered", "DLE EOT 1", "DLE EOT 1 unanswered", "ESC J 10",
// "ESC d 2", "LF". DLE EOT is logged when it arrives, the others when
// processed.
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
	q := newQueue(receiveBuffer)
	pr, pw := q, q
	s := &session{d: d, rw: rw, r: bufio.NewReaderSize(pr, 16), stop: make(chan struct{}), wireDone: make(chan struct{})}
	received := make(chan error, 1)
	go func() {
		err := s.receive(pw)
		close(s.wireDone)
		pw.CloseWithError(err)
		received <- err
	}()
	err := s.run()
	close(s.stop)
	pr.CloseWithError(io.ErrClosedPipe)
	if rerr := <-received; rerr != nil {
		err = rerr
	}
	s.pending.Wait()
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.ErrClosedPipe),
		errors.Is(err, net.ErrClosed), errors.Is(err, os.ErrClosed), errors.Is(err, syscall.EIO),
		errors.Is(err, syscall.ECONNRESET):
		return nil
	}
	return fmt.Errorf("escpostest: Serve: %w", err)
}

// session is one Serve: the parser's position in one byte stream.
type session struct {
	d    *Device
	rw   io.ReadWriter
	r    *bufio.Reader // what receive passed on, in order, a few bytes at a time
	off  int64         // offset of the next byte in this stream
	stop chan struct{} // closed when Serve is done processing
	// wireDone is closed when receive has returned: the wire is cut.
	wireDone chan struct{}

	wmu     sync.Mutex // one answer written at a time
	pending sync.WaitGroup
}

// receive reads the wire, answers real-time status queries at once, and
// passes every byte on to run through w, which holds receiveBuffer bytes.
func (s *session) receive(w io.Writer) error {
	s.d.mu.Lock()
	baud := s.d.baud
	s.d.mu.Unlock()
	chunk := receiveBuffer
	if baud > 0 {
		chunk = max(1, baud/10/20) // 50 ms of the line
	}
	buf := make([]byte, chunk)
	var line time.Time // when the line has carried what was read
	state, n := 0, 0   // 1: after DLE, 2: after DLE EOT
	for {
		k, err := s.rw.Read(buf)
		if k > 0 && baud > 0 {
			line = later(line, time.Now()).Add(time.Duration(k) * 10 * time.Second / time.Duration(baud))
			time.Sleep(time.Until(line))
		}
		for _, c := range buf[:k] {
			switch {
			case state == 2:
				n, state = int(c), 0
				if n >= 1 && n <= 4 {
					if werr := s.realTime(n); werr != nil {
						return werr
					}
				}
			case c == 0x10:
				state = 1
			case state == 1 && c == 0x04:
				state = 2
			default:
				state = 0
			}
		}
		if k > 0 {
			if _, werr := w.Write(buf[:k]); werr != nil {
				return werr
			}
		}
		if err != nil {
			return err
		}
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// realTime answers DLE EOT n, at once or after the delay set.
func (s *session) realTime(n int) error {
	s.d.mu.Lock()
	mute, answer, delay := s.d.mute, s.d.answers[n-1], s.d.delay
	s.d.mu.Unlock()
	if mute {
		s.did("DLE EOT %d unanswered", n)
		return nil
	}
	s.did("DLE EOT %d", n)
	if delay == 0 {
		return s.answer(answer)
	}
	s.pending.Go(func() {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
			s.answer(answer)
		case <-s.stop:
		}
	})
	return nil
}

func (s *session) answer(b byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_, err := s.rw.Write([]byte{b})
	return err
}

// online waits until the printer is not off-line, as a real one holds
// everything but real-time commands while its cover is open or its paper
// out; false when Serve is stopping.
func (s *session) online() bool {
	for {
		s.d.mu.Lock()
		off, changed := s.d.answers[0]&0x08 != 0, s.d.changed
		s.d.mu.Unlock()
		if !off {
			return true
		}
		select {
		case <-changed:
		case <-s.wireDone:
			return false
		}
	}
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
		if c != 0x10 && !s.online() {
			return io.EOF
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
		if c == 'J' {
			s.d.feed(int(n))
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
	case 'r':
		return s.transmitStatus(at)
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

// print adds a band to the paper not cut yet, from its left edge.
func (d *Device) print(width, rows int, data []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.sheet()
	wb := width / 8
	for y := range rows {
		row := make([]uint8, d.paperDots)
		for x := range row {
			row[x] = 0xFF
			if x < width && data[y*wb+x/8]&(0x80>>(x%8)) != 0 {
				row[x] = 0
			}
		}
		p.pix = append(p.pix, row...)
	}
	p.bands = append(p.bands, rows)
	return nil
}

// feed adds rows of blank paper: ESC J n moves the paper n motion units,
// one dot row each at 203 dpi.
func (d *Device) feed(rows int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.sheet()
	for range rows * d.paperDots {
		p.pix = append(p.pix, 0xFF)
	}
}

// sheet is the paper not cut yet; d.mu held.
func (d *Device) sheet() *paper {
	if d.paper == nil {
		d.paper = &paper{}
	}
	return d.paper
}

// transmitStatus answers GS r 1 (paper sensor status) now that everything
// before it has been processed: bits 0-1 paper near end, bits 2-3 paper
// end, from the answer to DLE EOT 4.
func (s *session) transmitStatus(at int64) error {
	n, err := s.byte()
	if err != nil {
		return err
	}
	if n != 1 && n != '1' {
		s.fail(at, "GS r %d: only 1, paper sensor status, is known", n)
		return nil
	}
	s.d.mu.Lock()
	mute, no, roll := s.d.mute, s.d.noGSr, s.d.answers[3]
	s.d.mu.Unlock()
	if mute || no {
		s.did("GS r %d unanswered", n)
		return nil
	}
	var b byte
	if roll&0x0C != 0 {
		b |= 0x03
	}
	if roll&0x60 != 0 {
		b |= 0x0C
	}
	s.did("GS r %d", n)
	return s.answer(b)
}

func (s *session) cut(partial bool) {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	t := Ticket{Partial: partial}
	if p := s.d.paper; p != nil && len(p.pix) > 0 {
		w := s.d.paperDots
		t.Image = &image.Gray{Pix: p.pix, Stride: w, Rect: image.Rect(0, 0, w, len(p.pix)/w)}
		t.Bands = p.bands
	}
	s.d.paper = nil
	s.d.tickets = append(s.d.tickets, t)
}

// dle reads a real-time command in the processed stream. receive has
// answered DLE EOT n already, when it arrived.
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
	}
	return nil
}

// queue is the receive buffer between the wire and the processing: Write
// blocks while it is full, Read while it is empty.
type queue struct {
	mu   sync.Mutex
	cond *sync.Cond
	buf  []byte
	size int
	err  error // set by CloseWithError: Write fails, Read fails once empty
}

func newQueue(size int) *queue {
	q := &queue{size: size}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *queue) Write(b []byte) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for len(b) > 0 {
		for q.err == nil && len(q.buf) >= q.size {
			q.cond.Wait()
		}
		if q.err != nil {
			return n, q.err
		}
		k := min(len(b), q.size-len(q.buf))
		q.buf = append(q.buf, b[:k]...)
		b, n = b[k:], n+k
		q.cond.Broadcast()
	}
	return n, nil
}

func (q *queue) Read(b []byte) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.err == nil && len(q.buf) == 0 {
		q.cond.Wait()
	}
	if len(q.buf) == 0 {
		return 0, q.err
	}
	n := copy(b, q.buf)
	q.buf = append(q.buf[:0], q.buf[n:]...)
	q.cond.Broadcast()
	return n, nil
}

// CloseWithError ends the queue: what is in it can still be read, then
// Read returns err (io.EOF for nil).
func (q *queue) CloseWithError(err error) {
	if err == nil {
		err = io.EOF
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err == nil {
		q.err = err
	}
	q.cond.Broadcast()
}
