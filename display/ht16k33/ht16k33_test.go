package ht16k33_test

import (
	"errors"
	"strings"
	"testing"

	"periph.io/x/conn/v3/i2c/i2ctest"

	"github.com/sothutu/sothutu/display"
	"github.com/sothutu/sothutu/display/displaytest"
	"github.com/sothutu/sothutu/display/ht16k33"
)

const addr = 0x70

func w(b ...byte) i2ctest.IO { return i2ctest.IO{Addr: addr, W: b} }

// ram is a display RAM write: address 0, then each character's segment
// word, low byte first.
func ram(chars ...byte) i2ctest.IO { return w(append([]byte{0x00}, chars...)...) }

var blank = ram(0, 0, 0, 0, 0, 0, 0, 0)

// initOps is New's traffic at brightness 8.
var initOps = []i2ctest.IO{
	w(0x21), // system setup: oscillator on
	blank,   // 4 characters blank
	w(0x81), // display on, no blinking
	w(0xE8), // dimming 9/16
}

var closeOps = []i2ctest.IO{
	blank,
	w(0x80), // display off
	w(0x20), // oscillator off: standby
}

func TestShow(t *testing.T) {
	tests := []struct {
		text string
		show i2ctest.IO
	}{
		// A 0x00F7, 0 0x0C3F (slashed), 2 0x00DB, 3 0x008F.
		{"A023", ram(0xF7, 0x00, 0x3F, 0x0C, 0xDB, 0x00, 0x8F, 0x00)},
		{"1023", ram(0x06, 0x00, 0x3F, 0x0C, 0xDB, 0x00, 0x8F, 0x00)},
		// Right-aligned: two blanks, then "-" (G1+G2) twice.
		{"--", ram(0, 0, 0, 0, 0xC0, 0x00, 0xC0, 0x00)},
		{"", blank},
		// Lower case shows as upper case: B 0x128F, D 0x120F, M 0x0536, X 0x2D00.
		{"bdMx", ram(0x8F, 0x12, 0x0F, 0x12, 0x36, 0x05, 0x00, 0x2D)},
		{"Z9", ram(0, 0, 0, 0, 0x09, 0x0C, 0xEF, 0x00)},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			p := displaytest.I2C(t, initOps, []i2ctest.IO{tt.show}, closeOps)
			d, err := ht16k33.New(p, &ht16k33.Opts{Brightness: 8})
			if err != nil {
				t.Fatal(err)
			}
			displaytest.ShowThenClose(t, d, tt.text)
		})
	}
}

func TestShowRefused(t *testing.T) {
	tests := []struct {
		text string
		want error
		name string
	}{
		{"A0.3", display.ErrUnsupported, `'.'`},
		{"Đ12", display.ErrUnsupported, `'Đ'`},
		{"A0234", display.ErrTooLong, "4 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			p := displaytest.I2C(t, initOps, closeOps)
			d, err := ht16k33.New(p, &ht16k33.Opts{Brightness: 8})
			if err != nil {
				t.Fatal(err)
			}
			displaytest.Refused(t, d, tt.text, tt.want, tt.name)
		})
	}
}

func TestOpts(t *testing.T) {
	// A second backpack (A0 bridged) with 8 characters at full brightness.
	p := &i2ctest.Playback{DontPanic: true, Ops: []i2ctest.IO{
		{Addr: 0x71, W: []byte{0x21}},
		{Addr: 0x71, W: make([]byte, 17)},
		{Addr: 0x71, W: []byte{0x81}},
		{Addr: 0x71, W: []byte{0xEF}},
		{Addr: 0x71, W: []byte{0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xF7, 0x00, 0x06, 0x00}},
	}}
	d, err := ht16k33.New(p, &ht16k33.Opts{Addr: 0x71, Digits: 8, Brightness: 15})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Show("A1"); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Error(err)
	}

	for _, o := range []ht16k33.Opts{{Addr: 0x27}, {Digits: 9}, {Brightness: 16}} {
		if _, err := ht16k33.New(displaytest.I2C(t), &o); !errors.Is(err, display.ErrOptions) {
			t.Errorf("New(%+v) = %v, want ErrOptions", o, err)
		}
	}
}

func TestBusError(t *testing.T) {
	if _, err := ht16k33.New(displaytest.I2C(t), nil); err == nil || !strings.Contains(err.Error(), "oscillator") && !strings.Contains(err.Error(), "0x21") {
		t.Fatalf("New on a bus with nothing attached = %v, want an error naming the command", err)
	}
}
