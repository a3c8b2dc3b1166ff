package modbus7seg

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/sothutu/sothutu/display"
)

var _ display.Counter = (*Dev)(nil)

// Opts configures a Dev.
type Opts struct {
	// SlaveID is the display's Modbus address, 1-247.
	SlaveID byte
	// Register is the first holding register, as on the wire (0-based:
	// "40001" in a manual is 0).
	Register uint16
	// Digits is the number of places, 1-123; 0 means 4.
	Digits int
	// Timeout bounds the wait for an answer; 0 means 500 ms.
	Timeout time.Duration
	// LocalEcho: the RS-485 adapter hears its own transmission, so each
	// request comes back before the answer; it is read and checked.
	LocalEcho bool
}

// Dev is a Modbus RTU counter display, a display.Counter.
type Dev struct {
	rw   io.ReadWriter
	o    Opts
	gate display.Gate
}

// New returns a Dev on rw, an open serial port (see the package doc for
// its read timeout). It sends nothing.
func New(rw io.ReadWriter, opts *Opts) (*Dev, error) {
	o := Opts{}
	if opts != nil {
		o = *opts
	}
	if o.Digits == 0 {
		o.Digits = 4
	}
	if o.Timeout == 0 {
		o.Timeout = 500 * time.Millisecond
	}
	switch {
	case o.SlaveID < 1 || o.SlaveID > 247:
		return nil, fmt.Errorf("modbus7seg: %w: SlaveID %d, want 1-247", display.ErrOptions, o.SlaveID)
	case o.Digits < 1 || o.Digits > 123: // function 16 writes at most 123 registers
		return nil, fmt.Errorf("modbus7seg: %w: Digits %d, want 1-123", display.ErrOptions, o.Digits)
	case int(o.Register)+o.Digits > 0x10000:
		return nil, fmt.Errorf("modbus7seg: %w: Register %d + Digits %d past 65535", display.ErrOptions, o.Register, o.Digits)
	case o.Timeout < 0:
		return nil, fmt.Errorf("modbus7seg: %w: Timeout %v", display.ErrOptions, o.Timeout)
	}
	return &Dev{rw: rw, o: o, gate: display.Gate{Driver: "modbus7seg"}}, nil
}

// Show writes text to the display; see the package doc for how.
func (d *Dev) Show(text string) error {
	req, err := Request(d.o.SlaveID, d.o.Register, d.o.Digits, text)
	if err != nil {
		return err
	}
	return d.gate.Show(func() error { return d.do(req) })
}

// Close blanks the display. It does not close the port.
func (d *Dev) Close() error {
	req, err := Request(d.o.SlaveID, d.o.Register, d.o.Digits, "")
	if err != nil {
		return err
	}
	return d.gate.Close(func() error { return d.do(req) })
}

// Request is the Modbus RTU frame, CRC included, that shows text on a
// display of digits places at slave from register reg.
func Request(slave byte, reg uint16, digits int, text string) ([]byte, error) {
	for _, r := range text {
		if r < 0x20 || r > 0x7E {
			return nil, fmt.Errorf("modbus7seg: %q: %w: %q", text, display.ErrUnsupported, r)
		}
	}
	if len(text) > digits { // ASCII now: bytes are characters
		return nil, fmt.Errorf("modbus7seg: %q: %w (%d digits)", text, display.ErrTooLong, digits)
	}
	if v, ok := plainNumber(text); ok {
		return writeSingle(slave, reg, v), nil
	}
	vs := make([]uint16, digits)
	pad := digits - len(text)
	for i := range vs {
		vs[i] = ' '
		if i >= pad {
			vs[i] = uint16(text[i-pad])
		}
	}
	return writeMultiple(slave, reg, vs), nil
}

// plainNumber reports whether s is a number that a register holds without
// losing anything: digits, no leading zero, at most 65535.
func plainNumber(s string) (uint16, bool) {
	if s == "" || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseUint(s, 10, 16)
	return uint16(v), err == nil
}

type flusher interface{ Flush() error }

type readDeadliner interface{ SetReadDeadline(time.Time) error }

// do sends req and reads and checks the answer.
func (d *Dev) do(req []byte) error {
	fn := req[1]
	if err := d.discardInput(); err != nil {
		return err
	}
	if _, err := d.rw.Write(req); err != nil {
		return fmt.Errorf("modbus7seg: write function %#02x: %w", fn, err)
	}
	deadline := time.Now().Add(d.o.Timeout)
	if rd, ok := d.rw.(readDeadliner); ok {
		if err := rd.SetReadDeadline(deadline); err == nil {
			defer rd.SetReadDeadline(time.Time{})
		}
	}
	if d.o.LocalEcho {
		echo := make([]byte, len(req))
		if err := d.readFull(echo, deadline); err != nil {
			return fmt.Errorf("modbus7seg: function %#02x: local echo: %w", fn, err)
		}
		if !bytes.Equal(echo, req) {
			return fmt.Errorf("modbus7seg: function %#02x: %w: local echo % x, sent % x (collision on the bus?)", fn, ErrBadAnswer, echo, req)
		}
	}
	want := wantAnswer(req)
	got := make([]byte, len(want))
	// The first two bytes tell an exception (5 bytes) from an answer.
	if err := d.readFull(got[:2], deadline); err != nil {
		return fmt.Errorf("modbus7seg: function %#02x: %w", fn, err)
	}
	if got[0] == req[0] && got[1] == fn|0x80 {
		got = got[:5]
	}
	if err := d.readFull(got[2:], deadline); err != nil {
		return fmt.Errorf("modbus7seg: function %#02x: answer % x: %w", fn, got[:2], err)
	}
	if CRC16(got[:len(got)-2]) != uint16(got[len(got)-2])|uint16(got[len(got)-1])<<8 {
		return fmt.Errorf("modbus7seg: function %#02x: %w: CRC error in % x", fn, ErrBadAnswer, got)
	}
	if len(got) == 5 {
		return fmt.Errorf("modbus7seg: %w", &Exception{Function: fn, Code: got[2]})
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("modbus7seg: function %#02x: %w: % x, want % x", fn, ErrBadAnswer, got, want)
	}
	return nil
}

// discardInput drops stale input, such as a late answer to a request
// that timed out, so that it is not taken for the next answer: by Flush
// (tcflush) where the port has it, else by reading what is already there
// with a short deadline.
func (d *Dev) discardInput() error {
	switch p := d.rw.(type) {
	case flusher:
		if err := p.Flush(); err != nil {
			return fmt.Errorf("modbus7seg: flush: %w", err)
		}
	case readDeadliner:
		if err := p.SetReadDeadline(time.Now().Add(time.Millisecond)); err != nil {
			return nil // no deadlines after all: nothing to drain with
		}
		buf := make([]byte, 64)
		for {
			if _, err := d.rw.Read(buf); err != nil {
				break
			}
		}
	}
	return nil
}

// readFull fills b before the deadline. A read that times out on its own
// (io.EOF from tarm/serial, os.ErrDeadlineExceeded from a deadline) is
// "nothing yet"; one returning io.EOF at once, repeatedly, is a port that
// was closed or unplugged.
func (d *Dev) readFull(b []byte, deadline time.Time) error {
	got, quick := 0, 0
	for got < len(b) {
		start := time.Now()
		n, err := d.rw.Read(b[got:])
		got += n
		switch {
		case got == len(b):
			return nil
		case err == nil:
		case errors.Is(err, os.ErrDeadlineExceeded):
			return ErrNoAnswer
		case errors.Is(err, io.EOF):
			if n == 0 && time.Since(start) < time.Millisecond {
				if quick++; quick >= 3 {
					return fmt.Errorf("read: %w", io.ErrUnexpectedEOF)
				}
			} else {
				quick = 0
			}
		default:
			return fmt.Errorf("read: %w", err)
		}
		if time.Now().After(deadline) {
			return ErrNoAnswer
		}
	}
	return nil
}
