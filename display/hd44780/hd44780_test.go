package hd44780_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/i2c/i2ctest"

	"github.com/sothutu/sothutu/display"
	"github.com/sothutu/sothutu/display/displaytest"
	"github.com/sothutu/sothutu/display/hd44780"
)

const addr = 0x27

func w(b ...byte) i2ctest.IO { return i2ctest.IO{Addr: addr, W: b} }

// PCF8574 port: P0 RS, P2 E, P3 backlight, P4-P7 D4-D7.
//
// initOps is New's traffic with the backlight on (0x08 in every byte).
var initOps = []i2ctest.IO{
	w(0x08),                   // all low, backlight on
	w(0x3C, 0x38),             // nibble 3 (E high, E low): "8-bit"
	w(0x3C, 0x38),             // again
	w(0x3C, 0x38),             // and again
	w(0x2C, 0x28),             // nibble 2: 4-bit mode
	w(0x2C, 0x28, 0x8C, 0x88), // 0x28 function set: 4-bit, 2 lines, 5x8
	w(0x0C, 0x08, 0x8C, 0x88), // 0x08 display off
	w(0x0C, 0x08, 0x1C, 0x18), // 0x01 clear
	w(0x0C, 0x08, 0x6C, 0x68), // 0x06 entry mode: increment
	w(0x0C, 0x08, 0xCC, 0xC8), // 0x0C display on, no cursor
}

var initSleeps = []time.Duration{50 * time.Millisecond, 5 * time.Millisecond, 150 * time.Microsecond, 150 * time.Microsecond, 2 * time.Millisecond}

var closeOps = []i2ctest.IO{
	w(0x0C, 0x08, 0x1C, 0x18), // clear
	w(0x04, 0x00, 0x84, 0x80), // display off, backlight off
}

// line is the write of one 16-character line: the DDRAM address
// instruction, then each character as data (RS=1, 0x09 with backlight).
func line(ddram byte, s string) i2ctest.IO {
	if len(s) != 16 {
		panic("line: want 16 characters: " + s)
	}
	b := []byte{0x80 | ddram&0xF0 | 0x0C, 0x80 | ddram&0xF0 | 0x08, ddram<<4 | 0x0C, ddram<<4 | 0x08}
	for i := 0; i < len(s); i++ {
		c := s[i]
		b = append(b, c&0xF0|0x0D, c&0xF0|0x09, c<<4|0x0D, c<<4|0x09)
	}
	return w(b...)
}

type rig struct {
	p      *i2ctest.Playback
	d      *hd44780.Dev
	sleeps []time.Duration
}

func newRig(t *testing.T, opts *hd44780.Opts, ops ...[]i2ctest.IO) *rig {
	t.Helper()
	r := &rig{p: displaytest.I2C(t, append([][]i2ctest.IO{initOps}, ops...)...)}
	d, err := hd44780.NewSleep(r.p, opts, func(d time.Duration) { r.sleeps = append(r.sleeps, d) })
	if err != nil {
		t.Fatal(err)
	}
	r.d = d
	if !slices.Equal(r.sleeps, initSleeps) {
		t.Errorf("New waited %v, want %v", r.sleeps, initSleeps)
	}
	return r
}

func TestLineEncoding(t *testing.T) {
	// The helper against hand-made bytes: "A" is 0x41, data, backlight on.
	got := line(0x40, "A               ").W[:8]
	want := []byte{
		0xCC, 0xC8, 0x0C, 0x08, // instruction 0xC0: DDRAM 0x40, line 2
		0x4D, 0x49, 0x1D, 0x19, // data 0x41
	}
	if !slices.Equal(got, want) {
		t.Fatalf("line = % x, want % x", got, want)
	}
}

func TestShow(t *testing.T) {
	tests := []struct {
		caption, text string
		l1, l2        string
	}{
		{"Quầy 5", "A023", "      A023      ", "     Quay 5     "},
		{"", "1023", "      1023      ", "                "},
		{"Quầy số 12", "--", "       --       ", "   Quay so 12   "},
		{"Đất đai", "", "                ", "    Dat dai     "},
		{"Tư pháp", "A0231", "     A0231      ", "    Tu phap     "},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			r := newRig(t, &hd44780.Opts{Caption: tt.caption},
				[]i2ctest.IO{line(0x00, tt.l1), line(0x40, tt.l2)}, closeOps)
			displaytest.ShowThenClose(t, r.d, tt.text)
		})
	}
}

func TestShowLines(t *testing.T) {
	r := newRig(t, nil, []i2ctest.IO{
		line(0x00, "Moi so A023     "),
		line(0x40, "den Quay 5      "),
	})
	if err := r.d.ShowLines("Mời số A023", "đến Quầy 5"); err != nil {
		t.Fatal(err)
	}
}

func TestRefused(t *testing.T) {
	r := newRig(t, nil) // nothing may cross the bus after init
	tests := []struct {
		l1, l2 string
		want   error
		name   string
	}{
		{"A023", "Số người đang chờ: 12", display.ErrTooLong, "line 2"},
		{"Quầy ¥", "", display.ErrUnsupported, `'¥'`},
		{`a\b`, "", display.ErrUnsupported, `'\\'`},
		{"", "~", display.ErrUnsupported, `'~'`},
		{"ស្វាគមន៍", "", display.ErrUnsupported, `'ស'`}, // Khmer
	}
	for _, tt := range tests {
		err := r.d.ShowLines(tt.l1, tt.l2)
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.name) {
			t.Errorf("ShowLines(%q, %q) = %v, want %v naming %s", tt.l1, tt.l2, err, tt.want, tt.name)
		}
	}
	if err := r.d.Show("A02345678901234567"); !errors.Is(err, display.ErrTooLong) {
		t.Errorf("Show of 18 characters = %v, want ErrTooLong", err)
	}
}

func TestASCII(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Quầy số 5", "Quay so 5"},
		{"ĐĂNG KÝ KINH DOANH", "DANG KY KINH DOANH"},
		{"Bảo hiểm xã hội", "Bao hiem xa hoi"},
		{"Ưu tiên: người cao tuổi", "Uu tien: nguoi cao tuoi"},
		{"ơ ờ ở ỡ ớ ợ ư ừ ử ữ ứ ự", "o o o o o o u u u u u u"},
		{"Quầy", "Quay"},       // precomposed (NFC)
		{"Qua\u0300y", "Quay"}, // already decomposed
		{"A023", "A023"},
	}
	for _, tt := range tests {
		got, err := hd44780.ASCII(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ASCII(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestOpts(t *testing.T) {
	for _, o := range []hd44780.Opts{{Rows: 3}, {Cols: 41}, {Caption: "Quầy số 5 - Đất đai"}, {Caption: "€"}} {
		p := &i2ctest.Playback{DontPanic: true}
		if _, err := hd44780.NewSleep(p, &o, func(time.Duration) {}); !errors.Is(err, display.ErrOptions) {
			t.Errorf("New(%+v) = %v, want ErrOptions", o, err)
		}
	}
}

func TestBacklightOff(t *testing.T) {
	p := &i2ctest.Playback{DontPanic: true, Ops: []i2ctest.IO{w(0x00), w(0x34, 0x30)}}
	_, err := hd44780.NewSleep(p, &hd44780.Opts{BacklightOff: true}, func(time.Duration) {})
	if err == nil || !strings.Contains(err.Error(), "reset 2") {
		t.Fatalf("New = %v, want the bus error at the second reset nibble", err)
	}
}
