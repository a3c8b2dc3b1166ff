package modbus7seg_test

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tarm/serial"

	"github.com/sothutu/sothutu/display"
	"github.com/sothutu/sothutu/display/modbus7seg"
	"github.com/sothutu/sothutu/internal/leaktest"
	"github.com/sothutu/sothutu/internal/ptytest"
)

func TestCRC16(t *testing.T) {
	tests := []struct {
		frame []byte
		crc   [2]byte // as on the wire, low byte first
	}{
		{[]byte{0x01, 0x06, 0x00, 0x01, 0x00, 0x03}, [2]byte{0x98, 0x0B}},
		{[]byte{0x01, 0x03, 0x00, 0x00, 0x00, 0x0A}, [2]byte{0xC5, 0xCD}},
		{[]byte{0x11, 0x03, 0x00, 0x6B, 0x00, 0x03}, [2]byte{0x76, 0x87}}, // Modbus spec example
		{[]byte("123456789"), [2]byte{0x37, 0x4B}},                        // CRC-16/MODBUS check value 0x4B37
		{nil, [2]byte{0xFF, 0xFF}},
	}
	for _, tt := range tests {
		got := binary.LittleEndian.AppendUint16(nil, modbus7seg.CRC16(tt.frame))
		if !slices.Equal(got, tt.crc[:]) {
			t.Errorf("CRC16(% x) = % x, want % x", tt.frame, got, tt.crc)
		}
	}
}

// requests: the frames Show sends for slave 1, register 0, 4 digits (5 for
// the last rows), without the CRC (TestCRC16 covers that).
var requests = []struct {
	text   string
	digits int
	frame  []byte
}{
	{"1023", 4, []byte{
		0x01,       // slave
		0x06,       // write single register
		0x00, 0x00, // register 0
		0x03, 0xFF, // 1023
	}},
	{"7", 4, []byte{0x01, 0x06, 0x00, 0x00, 0x00, 0x07}},
	{"0", 4, []byte{0x01, 0x06, 0x00, 0x00, 0x00, 0x00}},
	{"A023", 4, []byte{
		0x01,       // slave
		0x10,       // write multiple registers
		0x00, 0x00, // from register 0
		0x00, 0x04, // 4 registers
		0x08, // 8 bytes
		0x00, 'A', 0x00, '0', 0x00, '2', 0x00, '3',
	}},
	{"0023", 4, []byte{0x01, 0x10, 0x00, 0x00, 0x00, 0x04, 0x08, 0x00, '0', 0x00, '0', 0x00, '2', 0x00, '3'}}, // leading zeros kept
	{"--", 4, []byte{0x01, 0x10, 0x00, 0x00, 0x00, 0x04, 0x08, 0x00, ' ', 0x00, ' ', 0x00, '-', 0x00, '-'}},   // right-aligned
	{"", 4, []byte{0x01, 0x10, 0x00, 0x00, 0x00, 0x04, 0x08, 0x00, ' ', 0x00, ' ', 0x00, ' ', 0x00, ' '}},     // blank
	{"65535", 5, []byte{0x01, 0x06, 0x00, 0x00, 0xFF, 0xFF}},
	{"65536", 5, []byte{0x01, 0x10, 0x00, 0x00, 0x00, 0x05, 0x0A, 0x00, '6', 0x00, '5', 0x00, '5', 0x00, '3', 0x00, '6'}}, // too big for a register
}

func TestRequest(t *testing.T) {
	for _, tt := range requests {
		got, err := modbus7seg.Request(1, 0, tt.digits, tt.text)
		if err != nil {
			t.Errorf("Request(%q): %v", tt.text, err)
			continue
		}
		want := binary.LittleEndian.AppendUint16(slices.Clone(tt.frame), modbus7seg.CRC16(tt.frame))
		if !slices.Equal(got, want) {
			t.Errorf("Request(%q) = % x, want % x", tt.text, got, want)
		}
	}
	// The frame from the task's example: slave 1, register 1, value 3.
	got, _ := modbus7seg.Request(1, 1, 4, "3")
	if want := []byte{0x01, 0x06, 0x00, 0x01, 0x00, 0x03, 0x98, 0x0B}; !slices.Equal(got, want) {
		t.Errorf("Request(1, 1, 4, \"3\") = % x, want % x", got, want)
	}
}

func TestRequestRefused(t *testing.T) {
	tests := []struct {
		text string
		want error
		name string
	}{
		{"A0234", display.ErrTooLong, "4 digits"},
		{"Ư12", display.ErrUnsupported, `'Ư'`},
		{"Ư123", display.ErrUnsupported, `'Ư'`}, // 4 characters, 5 bytes
		{"A\n1", display.ErrUnsupported, `'\n'`},
	}
	for _, tt := range tests {
		_, err := modbus7seg.Request(1, 0, 4, tt.text)
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.name) {
			t.Errorf("Request(%q) = %v, want %v naming %s", tt.text, err, tt.want, tt.name)
		}
	}
}

func TestNewOptions(t *testing.T) {
	for _, o := range []modbus7seg.Opts{{SlaveID: 0}, {SlaveID: 248}, {SlaveID: 1, Digits: 124}, {SlaveID: 1, Register: 0xFFFE, Digits: 4}} {
		if _, err := modbus7seg.New(nil, &o); !errors.Is(err, display.ErrOptions) {
			t.Errorf("New(%+v) = %v, want ErrOptions", o, err)
		}
	}
}

// ports are the ways a caller hands the serial line to New.
var ports = []struct {
	name string
	open func(t *testing.T, path string) io.ReadWriter
}{
	{"tarm/serial", func(t *testing.T, path string) io.ReadWriter {
		// As a counter terminal opens it; the read timeout is required.
		p, err := serial.OpenPort(&serial.Config{Name: path, Baud: 9600, ReadTimeout: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		return p
	}},
	{"os.File", func(t *testing.T, path string) io.ReadWriter {
		// A tty opened as a file has read deadlines.
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}},
}

// newRig starts m behind a pseudo-terminal and returns a Dev on it.
func newRig(t *testing.T, open func(*testing.T, string) io.ReadWriter, m *module, opts modbus7seg.Opts) *modbus7seg.Dev {
	t.Helper()
	leaktest.Check(t, "(*module).serve") // a module double still serving
	pty := ptytest.Open(t)
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := m.serve(pty.Master); err != nil {
			t.Errorf("module: %v", err)
		}
	})
	t.Cleanup(func() { pty.Close(); wg.Wait() })
	d, err := modbus7seg.New(open(t, pty.Path), &opts)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestShowOverPTY(t *testing.T) {
	for _, p := range ports {
		t.Run(p.name, func(t *testing.T) {
			m := newModule(1)
			d := newRig(t, p.open, m, modbus7seg.Opts{SlaveID: 1, Register: 0, Digits: 4})
			for _, tt := range requests {
				if tt.digits != 4 {
					continue
				}
				if err := d.Show(tt.text); err != nil {
					t.Fatalf("Show(%q): %v", tt.text, err)
				}
				want := tt.text
				if tt.frame[1] == 0x10 {
					want = strings.Repeat(" ", 4-len(tt.text)) + tt.text
				}
				if got := m.shown(0, 4); got != want {
					t.Errorf("after Show(%q) the module shows %q, want %q", tt.text, got, want)
				}
			}
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}
			if got := m.shown(0, 4); got != "    " {
				t.Errorf("after Close the module shows %q, want blank", got)
			}
			if err := d.Show("A1"); !errors.Is(err, display.ErrClosed) {
				t.Errorf("Show after Close = %v, want ErrClosed", err)
			}
		})
	}
}

func TestAnswersOverPTY(t *testing.T) {
	tests := []struct {
		name   string
		module func(*module)
		opts   modbus7seg.Opts
		check  func(error) bool
	}{
		{"exception", func(m *module) { m.exception = 2 }, modbus7seg.Opts{},
			func(err error) bool {
				var e *modbus7seg.Exception
				return errors.As(err, &e) && e.Code == 2 && e.Function == 0x10 &&
					strings.Contains(err.Error(), "illegal data address")
			}},
		{"silent", func(m *module) { m.silent = true }, modbus7seg.Opts{},
			func(err error) bool { return errors.Is(err, modbus7seg.ErrNoAnswer) }},
		{"other slave", func(m *module) { m.id = 2 }, modbus7seg.Opts{},
			func(err error) bool { return errors.Is(err, modbus7seg.ErrNoAnswer) }},
		{"bad CRC", func(m *module) { m.badCRC = true }, modbus7seg.Opts{},
			func(err error) bool { return errors.Is(err, modbus7seg.ErrBadAnswer) }},
		{"local echo", func(m *module) { m.localEcho = true }, modbus7seg.Opts{LocalEcho: true},
			func(err error) bool { return err == nil }},
		{"unexpected echo", func(m *module) { m.localEcho = true }, modbus7seg.Opts{},
			func(err error) bool { return errors.Is(err, modbus7seg.ErrBadAnswer) }},
	}
	for _, p := range ports {
		for _, tt := range tests {
			t.Run(p.name+"/"+tt.name, func(t *testing.T) {
				m := newModule(1)
				m.set(tt.module)
				opts := tt.opts
				opts.SlaveID, opts.Digits, opts.Timeout = 1, 4, 250*time.Millisecond
				d := newRig(t, p.open, m, opts)
				start := time.Now()
				err := d.Show("A023")
				if !tt.check(err) {
					t.Errorf("Show = %v", err)
				}
				if el := time.Since(start); el > time.Second {
					t.Errorf("Show took %v, want about the 250ms timeout at most", el)
				}
				// The next request is not confused by what came before.
				m.set(func(m *module) {
					m.id, m.exception, m.silent, m.badCRC, m.localEcho = 1, 0, false, false, opts.LocalEcho
				})
				if err := d.Show("1023"); err != nil {
					t.Errorf("Show after %s: %v", tt.name, err)
				}
			})
		}
	}
}
