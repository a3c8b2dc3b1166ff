package max7219

import (
	"fmt"

	"periph.io/x/conn/v3/spi"

	"github.com/sothutu/sothutu/display"
)

var _ display.Counter = (*Dev)(nil)

// Registers (datasheet table 2).
const (
	regDigit0      = 0x01 // digits 0-7 are registers 0x01-0x08
	regDecodeMode  = 0x09
	regIntensity   = 0x0A
	regScanLimit   = 0x0B
	regShutdown    = 0x0C
	regDisplayTest = 0x0F
)

// Opts configures a Dev.
type Opts struct {
	// Digits is how many digits are wired, 1-8; 0 means 8.
	Digits int
	// Intensity is the LED brightness, 0 (dimmest) to 15.
	Intensity uint8
}

// Dev is a MAX7219 with its digits, a display.Counter.
type Dev struct {
	c      spi.Conn
	digits display.Segments[byte]
}

// New initialises the MAX7219 on c: display test off, scan limit to the
// digits wired, no decoding, the intensity asked, all digits blank, and
// then out of shutdown, so no power-up garbage is ever lit.
func New(c spi.Conn, opts *Opts) (*Dev, error) {
	o := Opts{}
	if opts != nil {
		o = *opts
	}
	if o.Digits == 0 {
		o.Digits = 8
	}
	if o.Digits < 1 || o.Digits > 8 {
		return nil, fmt.Errorf("max7219: %w: Digits %d, want 1-8", display.ErrOptions, o.Digits)
	}
	if o.Intensity > 15 {
		return nil, fmt.Errorf("max7219: %w: Intensity %d, want 0-15", display.ErrOptions, o.Intensity)
	}
	d := &Dev{c: c}
	d.digits = display.Segments[byte]{Gate: display.Gate{Driver: "max7219"}, Places: o.Digits, Encode: Encode, Write: d.writeDigits}
	init := [][2]byte{
		{regDisplayTest, 0},
		{regScanLimit, byte(o.Digits - 1)},
		{regDecodeMode, 0},
		{regIntensity, o.Intensity},
	}
	for _, w := range init {
		if err := d.write(w[0], w[1]); err != nil {
			return nil, err
		}
	}
	if err := d.digits.Blank(); err != nil {
		return nil, err
	}
	if err := d.write(regShutdown, 1); err != nil {
		return nil, err
	}
	return d, nil
}

// Show shows text right-aligned; see the package doc for the characters.
func (d *Dev) Show(text string) error { return d.digits.Show(text) }

// Close blanks the digits and puts the chip in shutdown (a few µA). It
// does not close the SPI port.
func (d *Dev) Close() error {
	return d.digits.Close(func() error { return d.write(regShutdown, 0) })
}

// writeDigits writes segs, leftmost digit first, to the digit registers.
func (d *Dev) writeDigits(segs []byte) error {
	for i, s := range segs {
		if err := d.write(byte(regDigit0+len(segs)-1-i), s); err != nil {
			return err
		}
	}
	return nil
}

// write sets one register: each is its own transaction, as the chip
// latches the 16 bits on CS rising.
func (d *Dev) write(reg, v byte) error {
	if err := d.c.Tx([]byte{reg, v}, nil); err != nil {
		return fmt.Errorf("max7219: spi Tx register %#02x: %w", reg, err)
	}
	return nil
}

// Encode returns the segment bytes (bit 7 DP, 6 A, 5 B ... 0 G) for text
// right-aligned on digits places, leftmost first.
func Encode(text string, digits int) ([]byte, error) {
	out := make([]byte, digits)
	rs := []rune(text)
	if len(rs) > digits {
		return nil, fmt.Errorf("max7219: %q: %w (%d digits)", text, display.ErrTooLong, digits)
	}
	pad := digits - len(rs)
	for i, r := range rs {
		s, ok := font[r]
		if !ok {
			return nil, fmt.Errorf("max7219: %q: %w: %q", text, display.ErrUnsupported, r)
		}
		out[pad+i] = s
	}
	return out, nil
}

// Segment bits in no-decode mode.
const (
	a = 1 << 6
	b = 1 << 5
	c = 1 << 4
	d = 1 << 3
	e = 1 << 2
	f = 1 << 1
	g = 1 << 0
)

// font maps the characters a 7-segment digit shows unambiguously.
var font = func() map[rune]byte {
	m := map[rune]byte{
		' ': 0,
		'-': g,
		'_': d,
		'0': a | b | c | d | e | f,
		'1': b | c,
		'2': a | b | d | e | g,
		'3': a | b | c | d | g,
		'4': b | c | f | g,
		'5': a | c | d | f | g,
		'6': a | c | d | e | f | g,
		'7': a | b | c,
		'8': a | b | c | d | e | f | g,
		'9': a | b | c | d | f | g,
		'A': a | b | c | e | f | g,
		'B': c | d | e | f | g, // b
		'C': a | d | e | f,
		'D': b | c | d | e | g, // d
		'E': a | d | e | f | g,
		'F': a | e | f | g,
		'G': a | c | d | e | f,
		'H': b | c | e | f | g,
		'J': b | c | d | e,
		'L': d | e | f,
		'N': c | e | g,     // n
		'O': c | d | e | g, // o: lower case, so not read as 0
		'P': a | b | e | f | g,
		'Q': a | b | c | f | g, // q
		'R': e | g,             // r
		'T': d | e | f | g,     // t
		'U': b | c | d | e | f,
		'Y': b | c | d | f | g, // y
	}
	for r, s := range m {
		if r >= 'A' && r <= 'Z' {
			m[r+'a'-'A'] = s
		}
	}
	return m
}()
