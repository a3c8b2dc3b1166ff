// Package escpostest holds test doubles for package escpos.
//
// Fake is an escpos.Printer in memory for kiosk tests and simulation: it
// keeps the images printed, reports the Status it is given, refuses jobs as
// the driver does, and can be made to fail.
//
// Device is the other end of the wire: a printer that reads the ESC/POS
// byte stream from an io.ReadWriter (a pseudo-terminal's master side, a TCP
// connection), decodes GS v 0 bands back into images, records cuts, and
// answers DLE EOT status queries as set. It records an error for every byte
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
