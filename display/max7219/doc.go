// Package max7219 drives up to eight 7-segment LED digits behind a Maxim
// MAX7219 over SPI, as a display.Counter.
//
// The chip runs in no-decode mode with this package's own segment font,
// because its Code B font has no letters. Show accepts, case-insensitively:
//
//	0-9  A b C d E F G H J L n o P q r t U y  -  _  space
//
// Letters that a 7-segment digit cannot draw or that read as a digit
// (I, K, M, S, V, W, X, Z: S would read as 5) are refused with an error
// wrapping display.ErrUnsupported that names the character, and so is
// anything else. O shows as a lower-case o, so as not to read as 0.
// A ticket block letter should be chosen from the supported ones.
//
// Text is right-aligned: "A023" on an 8-digit module lights the four
// rightmost digits and blanks the rest, as counter numbers usually sit.
// Text longer than Opts.Digits is refused (display.ErrTooLong). "" blanks
// the display.
//
// # Wiring
//
// A common "MAX7219 8-digit" module on a Raspberry Pi (3.3 V logic drives
// the MAX7219 at 5 V in practice; add a level shifter if it misbehaves):
//
//	module  Pi header
//	VCC     pin 2 (5 V)
//	GND     pin 6
//	DIN     pin 19 (GPIO10, SPI0 MOSI)
//	CS      pin 24 (GPIO8, SPI0 CE0)
//	CLK     pin 23 (GPIO11, SPI0 SCLK)
//
// Open the port with SPI mode 0, 8 bits, at most 10 MHz:
//
//	p, err := spireg.Open("SPI0.0")
//	c, err := p.Connect(1*physic.MegaHertz, spi.Mode0, 8)
//	d, err := max7219.New(c, &max7219.Opts{Digits: 4, Intensity: 8})
//
// Digit register 1 (DIG0) is the rightmost digit, as on those modules.
// One chip only; daisy-chained chips are not supported.
package max7219
