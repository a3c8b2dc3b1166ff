// Package modbus7seg drives an RS-485 LED counter display that speaks
// Modbus RTU, as a display.Counter.
//
// # What goes on the wire
//
// Show(text) writes holding registers of slave Opts.SlaveID from
// Opts.Register:
//
//   - A plain number ("1023", "7"; digits only, no leading zero, at most
//     65535) is one register holding its value, written with function 06
//     (Write Single Register). The module formats it.
//   - Anything else ("A023", "0023", "--", "" for blank) is Opts.Digits
//     registers, one per place, each holding a character's ASCII code,
//     right-aligned and padded with spaces (0x20), written with function
//     16 (Write Multiple Registers). Leading zeros therefore survive.
//
// This assumes a module that takes a value in its first register and
// ASCII codes in consecutive ones, as the common "Modbus RTU LED digital
// display" boards do; check the module's register map and set Register.
// Show accepts printable ASCII (0x20-0x7E) only, refusing anything else
// with an error wrapping display.ErrUnsupported that names the character;
// which of those the module can draw is up to the module.
//
// Every request is answered: function 06 by an echo of the request,
// function 16 by the slave, function and register range. The answer is
// read within Opts.Timeout and checked (slave, function, fields, CRC-16
// Modbus, low byte first). A Modbus exception answer is returned as an
// *Exception (use errors.As), no answer as ErrNoAnswer, a garbled or
// mismatched one as ErrBadAnswer.
// Broadcast (slave 0), which is never answered, is not supported.
//
// # The port
//
// New takes an io.ReadWriter: the caller opens the serial port, normally
// with github.com/tarm/serial, and must give it a read timeout, because a
// Read that waits forever for a display that is off cannot be abandoned:
//
//	p, err := serial.OpenPort(&serial.Config{Name: "/dev/ttyUSB0", Baud: 9600,
//		ReadTimeout: 100 * time.Millisecond})
//	d, err := modbus7seg.New(p, &modbus7seg.Opts{SlaveID: 1, Digits: 4})
//
// tarm/serial reports a read timeout as io.EOF, which is taken as "nothing
// yet". A port with SetReadDeadline (an *os.File on a tty, a net.Conn to a
// serial server) is given a deadline instead. Stale input, such as a
// late answer to a request that timed out, is discarded before each
// request: with Flush where the port has it (tarm/serial's does), else by
// reading for a millisecond with a deadline. Close blanks the
// display; it does not close the port.
//
// # Wiring
//
// A USB to RS-485 adapter (CH340 or FT232 with automatic direction
// control) on the Pi, then a twisted pair to the display:
//
//	adapter  display
//	A / D+   A / 485+
//	B / D-   B / 485-
//	GND      GND (recommended on long runs)
//
// with 120 Ω termination at both ends of runs longer than a few metres,
// 9600 baud 8N1 unless the module is set otherwise, and the module's
// slave address (often set by DIP switches) in Opts.SlaveID. An adapter
// that echoes what it sends back to the receiver needs Opts.LocalEcho.
package modbus7seg
