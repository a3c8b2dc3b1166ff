// Package hd44780 drives a 16x2 (or 20x4) HD44780 character LCD behind a
// PCF8574 I²C backpack, as a display.Counter.
//
// Show(text) puts text centred on the first line and Opts.Caption (for
// example "Quay 5") centred on the second; ShowLines writes both lines as
// given, left-aligned. Lines are rewritten whole, padded with spaces,
// without the clear command, so nothing flickers. On a 20x4 LCD lines 3
// and 4 stay blank.
//
// # Vietnamese text
//
// The HD44780's character ROM (A00, the common one) has ASCII and
// Japanese kana but no Vietnamese letters. Text is therefore
// transliterated to ASCII: decomposed (Unicode NFD, with
// golang.org/x/text/unicode/norm), its combining marks (tones, circumflex,
// breve, horn) dropped, and đ/Đ, which do not decompose, mapped to d/D:
// "Quầy số 5" shows as "Quay so 5", "Đất đai" as "Dat dai". What is still
// not printable ASCII after that, and '\' and '~' (the ROM has ¥ and →
// there), is refused with an error wrapping display.ErrUnsupported that
// names the character. A line longer than Opts.Cols after transliteration
// is refused with display.ErrTooLong. See ASCII.
//
// # Wiring
//
// The backpack sits on the LCD's 16 pins; to a Raspberry Pi's I²C bus 1:
//
//	backpack  Pi header
//	VCC       pin 2 (5 V: the LCD needs it)
//	GND       pin 6
//	SDA       pin 3 (GPIO2, SDA1)
//	SCL       pin 5 (GPIO3, SCL1)
//
// The PCF8574 pulls SDA/SCL up to 5 V on some boards: remove those
// pull-ups or use a level shifter. Turn the contrast potentiometer on the
// back if the LCD shows nothing or only boxes.
//
// The address is 0x27 for a PCF8574 (the default of Opts.Addr) and 0x3F
// for a PCF8574A, less what its A0-A2 jumpers bridge. The expander's port
// is wired as on nearly all backpacks:
//
//	P0 RS   P1 RW   P2 E   P3 backlight   P4-P7 D4-D7
//
// so the LCD runs in 4-bit mode; RW is kept low (write only). Each nibble
// is written twice, with E high then low: the enable pulse.
//
//	b, err := i2creg.Open("1")
//	d, err := hd44780.New(b, &hd44780.Opts{Caption: "Quầy 5"})
package hd44780
