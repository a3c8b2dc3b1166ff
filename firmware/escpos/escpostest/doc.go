// Package escpostest holds test doubles for package escpos.
//
// Fake is an escpos.Printer in memory for kiosk tests and simulation: it
// keeps the images printed, reports the Status it is given, refuses jobs as
// the driver does, and can be made to fail.
//
// Device is the other end of the wire: a printer that reads the ESC/POS
// byte stream from an io.ReadWriter (a pseudo-terminal's master side, a TCP
// connection) into a receive buffer, decodes GS v 0 bands and ESC J feeds
// back into paper, records cuts, and answers status queries as set and as
// a real printer does: DLE EOT at once, as its bytes arrive, GS r 1 only
// once everything before it was processed, and nothing but DLE EOT while
// the printer is off-line. It can answer late (SetDelay), never answer
// GS r (SetNoTransmitStatus) or nothing at all (SetMute), and read at a
// serial line's rate (SetBaud), which a pseudo-terminal does not. It records an error for every byte
// it does not understand, so a test that checks Err catches garbage on the
// wire. The escpos driver's tests run against it.
//
// StatusCases and JobCases are the wire cases both sides' tests share: raw
// status answers next to the Status they mean, and images next to the exact
// bytes of their job.
//
// # Wiring
//
//	dev := escpostest.NewDevice(576)
//	dev.SetStatus(escpostest.PaperLow)
//	go dev.Serve(conn) // returns when conn closes
//	... drive an escpos.Dev connected to conn's other end ...
//	if err := dev.Err(); err != nil {
//		t.Error(err)
//	}
//	tickets := dev.Tickets() // tickets[0].Image is what was printed
package escpostest
