// Package display holds the Counter interface: the small display above or
// on a service counter that shows the ticket being served ("A023").
//
// Drivers live in subpackages, one per kind of hardware, each taking the
// bus it talks over (a periph.io spi.Conn or i2c.Bus, or an io.ReadWriter
// for a serial port) and an options struct, never a device path: the
// caller opens the bus, so tests can hand in periph's Record/Playback
// fakes or a pseudo-terminal.
//
//   - max7219: 7-segment LED digits behind a MAX7219 (SPI).
//   - ht16k33: 14-segment alphanumeric LED backpack behind an HT16K33 (I²C).
//   - hd44780: 16x2 character LCD behind a PCF8574 backpack (I²C).
//   - modbus7seg: RS-485 Modbus RTU LED counter display (serial).
//
// Gate is what the drivers' Show and Close share: one write at a time,
// none after Close. displaytest holds a Fake for tests and simulation.
package display
