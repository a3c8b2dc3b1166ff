package ht16k33

import (
	"fmt"

	"periph.io/x/conn/v3/i2c"

	"github.com/sothutu/sothutu/display"
)

var _ display.Counter = (*Dev)(nil)

// Commands (datasheet, command summary).
const (
	cmdOscillatorOn  = 0x21 // system setup: S=1
	cmdOscillatorOff = 0x20
	cmdDisplayOn     = 0x81 // display setup: D=1, no blinking
	cmdDisplayOff    = 0x80
	cmdBrightness    = 0xE0 // | 0-15: dimming 1/16 to 16/16
)

// DefaultAddr is the backpack's address with no jumper bridged.
const DefaultAddr = 0x70

// Opts configures a Dev.
type Opts struct {
	// Addr is the I²C address, 0x70-0x77; 0 means DefaultAddr.
	Addr uint16
	// Digits is how many characters are wired, 1-8; 0 means 4.
	Digits int
	// Brightness is 0 (1/16 duty) to 15 (full).
	Brightness uint8
}

// Dev is an HT16K33 with its 14-segment characters, a display.Counter.
type Dev struct {
	d          i2c.Dev
	characters display.Segments[uint16]
}

// New initialises the HT16K33 on bus: oscillator on, all characters
// blank, display on without blinking, the brightness asked.
func New(bus i2c.Bus, opts *Opts) (*Dev, error) {
	o := Opts{}
	if opts != nil {
		o = *opts
	}
	if o.Addr == 0 {
		o.Addr = DefaultAddr
	}
	if o.Digits == 0 {
		o.Digits = 4
	}
	switch {
	case o.Addr < 0x70 || o.Addr > 0x77:
		return nil, fmt.Errorf("ht16k33: %w: Addr %#x, want 0x70-0x77", display.ErrOptions, o.Addr)
	case o.Digits < 1 || o.Digits > 8:
		return nil, fmt.Errorf("ht16k33: %w: Digits %d, want 1-8", display.ErrOptions, o.Digits)
	case o.Brightness > 15:
		return nil, fmt.Errorf("ht16k33: %w: Brightness %d, want 0-15", display.ErrOptions, o.Brightness)
	}
	d := &Dev{d: i2c.Dev{Bus: bus, Addr: o.Addr}}
	d.characters = display.Segments[uint16]{Gate: display.Gate{Driver: "ht16k33"}, Places: o.Digits, Encode: Encode, Write: d.writeRAM}
	if err := d.cmd(cmdOscillatorOn); err != nil {
		return nil, err
	}
	if err := d.characters.Blank(); err != nil {
		return nil, err
	}
	if err := d.cmd(cmdDisplayOn); err != nil {
		return nil, err
	}
	if err := d.cmd(cmdBrightness | o.Brightness); err != nil {
		return nil, err
	}
	return d, nil
}

// Show shows text right-aligned; see the package doc for the characters.
func (d *Dev) Show(text string) error { return d.characters.Show(text) }

// Close blanks the characters, turns the display off and stops the
// oscillator (standby). It does not close the bus.
func (d *Dev) Close() error {
	return d.characters.Close(func() error {
		if err := d.cmd(cmdDisplayOff); err != nil {
			return err
		}
		return d.cmd(cmdOscillatorOff)
	})
}

func (d *Dev) cmd(c byte) error {
	if err := d.d.Tx([]byte{c}, nil); err != nil {
		return fmt.Errorf("ht16k33: i2c Tx command %#02x: %w", c, err)
	}
	return nil
}

// writeRAM writes the characters, leftmost first, from RAM address 0 in
// one transaction.
func (d *Dev) writeRAM(segs []uint16) error {
	w := make([]byte, 1, 1+2*len(segs))
	w[0] = 0x00 // display RAM address
	for _, s := range segs {
		w = append(w, byte(s), byte(s>>8))
	}
	if err := d.d.Tx(w, nil); err != nil {
		return fmt.Errorf("ht16k33: i2c Tx display RAM: %w", err)
	}
	return nil
}

// Encode returns the segment words (bit 0 A ... 13, 14 DP; see font) for
// text right-aligned on digits places, leftmost first.
func Encode(text string, digits int) ([]uint16, error) {
	rs := []rune(text)
	if len(rs) > digits {
		return nil, fmt.Errorf("ht16k33: %q: %w (%d characters)", text, display.ErrTooLong, digits)
	}
	out := make([]uint16, digits)
	pad := digits - len(rs)
	for i, r := range rs {
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		s, ok := font[r]
		if !ok {
			return nil, fmt.Errorf("ht16k33: %q: %w: %q", text, display.ErrUnsupported, r)
		}
		out[pad+i] = s
	}
	return out, nil
}

// font is Adafruit's alphafonttable for the characters we accept. Bits:
// 0 A (top), 1 B, 2 C, 3 D (bottom), 4 E, 5 F, 6 G1 (middle left),
// 7 G2 (middle right), 8 H (top-left diagonal), 9 J (top centre),
// 10 K (top-right diagonal), 11 L (bottom-left diagonal), 12 M (bottom
// centre), 13 N (bottom-right diagonal), 14 DP.
var font = map[rune]uint16{
	' ': 0b0000000000000000,
	'-': 0b0000000011000000,
	'_': 0b0000000000001000,
	'0': 0b0000110000111111,
	'1': 0b0000000000000110,
	'2': 0b0000000011011011,
	'3': 0b0000000010001111,
	'4': 0b0000000011100110,
	'5': 0b0010000001101001,
	'6': 0b0000000011111101,
	'7': 0b0000000000000111,
	'8': 0b0000000011111111,
	'9': 0b0000000011101111,
	'A': 0b0000000011110111,
	'B': 0b0001001010001111,
	'C': 0b0000000000111001,
	'D': 0b0001001000001111,
	'E': 0b0000000011111001,
	'F': 0b0000000001110001,
	'G': 0b0000000010111101,
	'H': 0b0000000011110110,
	'I': 0b0001001000000000,
	'J': 0b0000000000011110,
	'K': 0b0010010001110000,
	'L': 0b0000000000111000,
	'M': 0b0000010100110110,
	'N': 0b0010000100110110,
	'O': 0b0000000000111111,
	'P': 0b0000000011110011,
	'Q': 0b0010000000111111,
	'R': 0b0010000011110011,
	'S': 0b0000000011101101,
	'T': 0b0001001000000001,
	'U': 0b0000000000111110,
	'V': 0b0000110000110000,
	'W': 0b0010100000110110,
	'X': 0b0010110100000000,
	'Y': 0b0001010100000000,
	'Z': 0b0000110000001001,
}
