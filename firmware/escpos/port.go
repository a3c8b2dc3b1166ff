package escpos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tarm/serial"
)

var (
	// errNoAnswer: the printer sent nothing within the timeout.
	errNoAnswer = errors.New("no answer")
	// errHungUp: the serial device reads as hung up (unplugged).
	errHungUp = errors.New("serial device hung up")
)

// inboxLimit bounds the unread bytes kept from the printer: status answers
// are one byte each, anything beyond a few is stale.
const inboxLimit = 256

// port is one open transport: a job or status query writes to it on the
// caller's goroutine (the Dev lets one at a time in), and the port's own
// reader goroutine reads whatever the printer sends into an inbox.
type port struct {
	w       io.ReadWriteCloser
	timeout time.Duration
	// eofIdle: a Read returning io.EOF means "no data yet" (tarm/serial's
	// read timeout), not the end.
	eofIdle bool

	mu     sync.Mutex
	inbox  []byte
	rerr   error         // why the reader stopped; set before done closes
	notify chan struct{} // cap 1: bytes or rerr arrived
	done   chan struct{} // closed when the reader goroutine has returned

	closing   atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

// newPort wraps an open transport, starting its reader unless the printer
// is write-only.
func newPort(w io.ReadWriteCloser, timeout time.Duration, eofIdle, read bool) *port {
	p := &port{w: w, timeout: timeout, eofIdle: eofIdle,
		notify: make(chan struct{}, 1), done: make(chan struct{})}
	if read {
		go p.read()
	} else {
		close(p.done)
	}
	return p
}

// openPort opens the transport o names.
func openPort(ctx context.Context, o *Options) (*port, error) {
	switch o.Transport {
	case TransportSerial:
		// The read timeout is what lets Close return: tarm/serial's Close
		// waits for a Read in progress, and without VTIME a Read waits for
		// a byte forever. It is also what lets the printer's device go when
		// it is unplugged, so that it comes back under the same name.
		sp, err := serial.OpenPort(&serial.Config{Name: o.Path, Baud: o.Baud, ReadTimeout: serialPoll})
		if err != nil {
			return nil, fmt.Errorf("serial.OpenPort %s: %w", o.Path, err)
		}
		return newPort(sp, o.Timeout, true, !o.NoStatus), nil
	case TransportUSB:
		f, err := os.OpenFile(o.Path, os.O_RDWR, 0)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w (is the user in group lp?)", o.Path, err)
		}
		// usblp supports poll, so the runtime's poller gives reads and
		// writes deadlines and Close interrupts them. A plain file does
		// not: it can only be written to, with NoStatus.
		if err := f.SetDeadline(time.Time{}); err != nil && !o.NoStatus {
			f.Close()
			return nil, fmt.Errorf("%w: Path: %s cannot be read with a timeout (%v): set NoStatus", ErrOptions, o.Path, err)
		}
		return newPort(f, o.Timeout, false, !o.NoStatus), nil
	case TransportTCP:
		d := net.Dialer{Timeout: o.Timeout}
		c, err := d.DialContext(ctx, "tcp", o.Addr)
		if err != nil {
			return nil, fmt.Errorf("dial: %w", err)
		}
		return newPort(c, o.Timeout, false, !o.NoStatus), nil
	}
	return nil, fmt.Errorf("%w: Transport %q", ErrOptions, o.Transport)
}

// read is the reader goroutine.
func (p *port) read() {
	defer close(p.done)
	buf := make([]byte, 64)
	early := 0
	for {
		start := time.Now()
		n, err := p.w.Read(buf)
		if n > 0 {
			p.deliver(buf[:n])
			early = 0
		}
		if p.closing.Load() {
			p.stop(net.ErrClosed)
			return
		}
		switch {
		case err == nil:
		case p.eofIdle && errors.Is(err, io.EOF):
			// A timed-out read takes the whole read timeout. A hung-up
			// tty (its USB-serial adapter pulled out) returns at once,
			// every time: stop rather than spin.
			if n == 0 && time.Since(start) < serialPoll/2 {
				if early++; early >= 3 {
					p.stop(errHungUp)
					return
				}
			}
		default:
			p.stop(err)
			return
		}
	}
}

func (p *port) deliver(b []byte) {
	p.mu.Lock()
	p.inbox = append(p.inbox, b...)
	if over := len(p.inbox) - inboxLimit; over > 0 {
		p.inbox = append(p.inbox[:0], p.inbox[over:]...)
	}
	p.mu.Unlock()
	p.wake()
}

func (p *port) stop(err error) {
	p.mu.Lock()
	p.rerr = err
	p.mu.Unlock()
	p.wake()
}

func (p *port) wake() {
	select {
	case p.notify <- struct{}{}:
	default:
	}
}

// broken reports why the reader stopped, nil while it runs. A write-only
// port is never broken by reading.
func (p *port) broken() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rerr
}

// readByte returns the next byte from the printer, waiting until the
// timeout fires or ctx ends.
func (p *port) readByte(ctx context.Context, timeout <-chan time.Time) (byte, error) {
	for {
		p.mu.Lock()
		if len(p.inbox) > 0 {
			c := p.inbox[0]
			p.inbox = append(p.inbox[:0], p.inbox[1:]...)
			p.mu.Unlock()
			return c, nil
		}
		err := p.rerr
		p.mu.Unlock()
		if err != nil {
			return 0, fmt.Errorf("read: %w", err)
		}
		select {
		case <-p.notify:
		case <-timeout:
			return 0, errNoAnswer
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

type writeDeadliner interface{ SetWriteDeadline(time.Time) error }

// write sends b, within the timeout where the transport allows one.
func (p *port) write(b []byte) error {
	return p.writeBy(b, time.Now().Add(p.timeout))
}

// writeBy sends b by the deadline where the transport allows one (TCP,
// USB; a serial write cannot be bounded but always drains, as the line
// has no flow control). A write that falls short is an error.
func (p *port) writeBy(b []byte, deadline time.Time) error {
	if d, ok := p.w.(writeDeadliner); ok {
		_ = d.SetWriteDeadline(deadline) // a plain file has none
	}
	n, err := p.w.Write(b)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return fmt.Errorf("write: %d of %d bytes: %w", n, len(b), err)
	}
	return nil
}

// drained returns the bytes the printer sent unasked, and forgets them.
func (p *port) drained() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := append([]byte(nil), p.inbox...)
	p.inbox = p.inbox[:0]
	return b
}

// close closes the transport and waits for the reader goroutine.
func (p *port) close() error {
	p.closeOnce.Do(func() {
		p.closing.Store(true)
		p.closeErr = p.w.Close()
		<-p.done
	})
	return p.closeErr
}
