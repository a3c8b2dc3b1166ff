package hd44780

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
	"periph.io/x/conn/v3/i2c"

	"github.com/sothutu/sothutu/display"
)

var _ display.Counter = (*Dev)(nil)

// PCF8574 port bits.
const (
	bitRS = 1 << 0 // register select: 1 data, 0 instruction
	bitE  = 1 << 2 // enable: the LCD latches on its falling edge
	bitBL = 1 << 3 // backlight transistor
)

// HD44780 instructions.
const (
	cmdClear       = 0x01
	cmdEntryMode   = 0x06 // increment, no shift
	cmdDisplayOff  = 0x08
	cmdDisplayOn   = 0x0C // display on, cursor and blink off
	cmdFunction4x2 = 0x28 // 4-bit bus, 2 lines, 5x8 dots
	cmdDDRAM       = 0x80 // | address
)

// rowAddr is the DDRAM address of each line's first character.
var rowAddr = [4]byte{0x00, 0x40, 0x14, 0x54}

// DefaultAddr is a PCF8574 backpack's address with no jumper bridged.
const DefaultAddr = 0x27

// Opts configures a Dev.
type Opts struct {
	// Addr is the backpack's I²C address; 0 means DefaultAddr (0x27). A
	// PCF8574A backpack is at 0x3F.
	Addr uint16
	// Cols and Rows are the LCD's size; 0 means 16 and 2. Rows may be 2
	// or 4.
	Cols, Rows int
	// Caption is what Show puts under the ticket, centred on the second
	// line, e.g. "Quầy 5" (transliterated); "" leaves that line blank.
	Caption string
	// BacklightOff keeps the backlight dark.
	BacklightOff bool
}

// Dev is an HD44780 LCD behind a PCF8574, a display.Counter.
type Dev struct {
	d       i2c.Dev
	cols    int
	rows    int
	caption string // transliterated and centred
	bl      byte
	sleep   func(time.Duration)
	gate    display.Gate // also guards bl, which Close turns off
}

// New initialises the LCD on bus: the datasheet's reset-by-instruction
// sequence into 4-bit mode (which works whatever mode a previous program
// left it in), 2 lines, display cleared and on, cursor off. It takes about
// 60 ms.
func New(bus i2c.Bus, opts *Opts) (*Dev, error) {
	return newDev(bus, opts, time.Sleep)
}

func newDev(bus i2c.Bus, opts *Opts, sleep func(time.Duration)) (*Dev, error) {
	o := Opts{}
	if opts != nil {
		o = *opts
	}
	if o.Addr == 0 {
		o.Addr = DefaultAddr
	}
	if o.Cols == 0 {
		o.Cols = 16
	}
	if o.Rows == 0 {
		o.Rows = 2
	}
	if o.Addr > 0x7F {
		return nil, fmt.Errorf("hd44780: %w: Addr %#x", display.ErrOptions, o.Addr)
	}
	if o.Cols < 1 || o.Cols > 40 || (o.Rows != 2 && o.Rows != 4) {
		return nil, fmt.Errorf("hd44780: %w: %dx%d, want up to 40 columns, 2 or 4 rows", display.ErrOptions, o.Cols, o.Rows)
	}
	d := &Dev{d: i2c.Dev{Bus: bus, Addr: o.Addr}, cols: o.Cols, rows: o.Rows, sleep: sleep, gate: display.Gate{Driver: "hd44780"}}
	if !o.BacklightOff {
		d.bl = bitBL
	}
	c, err := ASCII(o.Caption)
	if err != nil {
		return nil, fmt.Errorf("hd44780: %w: Caption: %w", display.ErrOptions, err)
	}
	if d.caption, err = d.centre(c); err != nil {
		return nil, fmt.Errorf("hd44780: %w: Caption: %w", display.ErrOptions, err)
	}

	// Datasheet figure 24: wait >40 ms after power rises to 2.7 V, then
	// function set "8-bit" three times and "4-bit" once, as lone nibbles.
	d.sleep(50 * time.Millisecond)
	if err := d.tx("reset", d.bl); err != nil {
		return nil, err
	}
	for i, wait := range []time.Duration{5 * time.Millisecond, 150 * time.Microsecond, 150 * time.Microsecond} {
		if err := d.tx(fmt.Sprintf("reset %d", i+1), nibble(0x3, d.bl)...); err != nil {
			return nil, err
		}
		d.sleep(wait)
	}
	if err := d.tx("4-bit mode", nibble(0x2, d.bl)...); err != nil {
		return nil, err
	}
	for _, c := range []byte{cmdFunction4x2, cmdDisplayOff, cmdClear, cmdEntryMode, cmdDisplayOn} {
		if err := d.tx(fmt.Sprintf("instruction %#02x", c), d.byte(c, 0)...); err != nil {
			return nil, err
		}
		if c == cmdClear {
			d.sleep(2 * time.Millisecond) // 1.52 ms
		}
	}
	return d, nil
}

// Show puts text (a ticket, "--" or "" for blank) centred on the first
// line and the caption on the second.
func (d *Dev) Show(text string) error {
	s, err := ASCII(text)
	if err != nil {
		return fmt.Errorf("hd44780: %w", err)
	}
	l1, err := d.centre(s)
	if err != nil {
		return fmt.Errorf("hd44780: %w", err)
	}
	return d.write(l1, d.caption)
}

// ShowLines writes l1 and l2, transliterated, left-aligned, on the first
// two lines.
func (d *Dev) ShowLines(l1, l2 string) error {
	var lines [2]string
	for i, l := range []string{l1, l2} {
		s, err := ASCII(l)
		if err != nil {
			return fmt.Errorf("hd44780: line %d: %w", i+1, err)
		}
		if len(s) > d.cols {
			return fmt.Errorf("hd44780: line %d %q: %w (%d columns)", i+1, s, display.ErrTooLong, d.cols)
		}
		lines[i] = s + strings.Repeat(" ", d.cols-len(s))
	}
	return d.write(lines[0], lines[1])
}

// Close clears the LCD and turns it and its backlight off. It does not
// close the bus.
func (d *Dev) Close() error {
	return d.gate.Close(func() error {
		if err := d.tx("clear", d.byte(cmdClear, 0)...); err != nil {
			return err
		}
		d.sleep(2 * time.Millisecond)
		d.bl = 0
		return d.tx("display off", d.byte(cmdDisplayOff, 0)...)
	})
}

// centre pads s (ASCII) with spaces to the width, centred, the odd space
// on the right.
func (d *Dev) centre(s string) (string, error) {
	if len(s) > d.cols {
		return "", fmt.Errorf("%q: %w (%d columns)", s, display.ErrTooLong, d.cols)
	}
	left := (d.cols - len(s)) / 2
	return strings.Repeat(" ", left) + s + strings.Repeat(" ", d.cols-len(s)-left), nil
}

// write rewrites the first two lines, each full width, one I²C
// transaction per line: the DDRAM address, then the characters.
func (d *Dev) write(l1, l2 string) error {
	return d.gate.Show(func() error {
		for row, l := range []string{l1, l2} {
			w := d.byte(cmdDDRAM|rowAddr[row], 0)
			for i := 0; i < len(l); i++ {
				w = append(w, d.byte(l[i], bitRS)...)
			}
			if err := d.tx(fmt.Sprintf("line %d", row+1), w...); err != nil {
				return err
			}
		}
		return nil
	})
}

// byte is b as two nibbles on D4-D7, high first, each with its enable
// pulse; rs is bitRS for data, 0 for an instruction.
func (d *Dev) byte(b, rs byte) []byte {
	return append(nibble(b>>4, rs|d.bl), nibble(b&0x0F, rs|d.bl)...)
}

// nibble is n on D4-D7 with E high, then low.
func nibble(n, flags byte) []byte {
	v := n<<4 | flags
	return []byte{v | bitE, v}
}

func (d *Dev) tx(what string, w ...byte) error {
	if err := d.d.Tx(w, nil); err != nil {
		return fmt.Errorf("hd44780: i2c Tx %s: %w", what, err)
	}
	return nil
}

// ASCII transliterates s for the LCD's ROM: marks removed after NFD
// decomposition, đ→d, Đ→D. Characters left outside printable ASCII, and
// '\' and '~', are refused with display.ErrUnsupported.
func ASCII(s string) (string, error) {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ':
			r = 'd'
		case r == 'Đ':
			r = 'D'
		case r < 0x20 || r > 0x7D || r == '\\':
			return "", fmt.Errorf("%q: %w: %q", s, display.ErrUnsupported, r)
		}
		b.WriteRune(r)
	}
	return b.String(), nil
}
