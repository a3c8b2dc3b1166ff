// Package ht16k33 drives a 14-segment alphanumeric LED display behind a
// Holtek HT16K33 over I²C (the Adafruit "Quad Alphanumeric Display"
// backpack and its clones), as a display.Counter.
//
// Show accepts 0-9, A-Z (lower case shows as upper case), '-', '_' and
// space; anything else is refused with an error wrapping
// display.ErrUnsupported that names the character. The font is Adafruit's
// (Adafruit_LEDBackpack's alphafonttable), upper case, so a ticket reads
// the same as on the printed slip.
//
// Text is right-aligned on Opts.Digits places (4 on one backpack; up to
// 8, the HT16K33's RAM, on custom boards); longer text is refused with
// display.ErrTooLong. "" blanks the display.
//
// # Wiring
//
// The backpack on a Raspberry Pi's I²C bus 1:
//
//	backpack  Pi header
//	VCC       pin 1 (3.3 V, logic)
//	Vi2c      pin 1 (3.3 V), where the board has it
//	+ / V+    pin 2 (5 V, LEDs; brighter) or 3.3 V
//	GND       pin 6
//	SDA / D   pin 3 (GPIO2, SDA1)
//	SCL / C   pin 5 (GPIO3, SCL1)
//
// Its address is 0x70 (the default of Opts.Addr); the A0-A2 solder jumpers
// add 1, 2 and 4, up to 0x77, for several displays on one bus.
//
//	b, err := i2creg.Open("1")
//	d, err := ht16k33.New(b, &ht16k33.Opts{Brightness: 8})
//
// Digit 0, the leftmost, is RAM bytes 0x00-0x01, low byte first.
package ht16k33
