// Package escpos drives the kiosk's thermal ticket printer through ESC/POS.
//
// Tickets are printed as images: text in Vietnamese (or Khmer) through the
// code pages of cheap printers is unreliable, so the kiosk renders each
// ticket to a 1-bit image as wide as the paper (384 dots for 58 mm paper,
// 576 for 80 mm, at 203 dpi) and this package sends it.
//
// # What goes on the wire
//
// A job is ESC @ (initialise), the image from the top, and GS V 66 24:
// feed to the cutter and a little more, partial cut. Runs of blank rows
// are sent as ESC J n paper feeds (n rows at 203 dpi, at most 255 a feed);
// the other rows go as GS v 0 raster bands of at most BandRows rows (GS v 0
// m xL xH yL yH, then xL+256xH bytes per row, most significant bit
// leftmost, 1 printing), each band only as wide as its rightmost printing
// dot, rounded up to a byte. A band narrower than the paper prints from
// the paper's left edge like any other, so cropping on the right needs no
// other command. Cropping on the left would need GS L (left margin) or
// ESC a (justification), and printer fonts would print the number and the
// ASCII lines with fewer bytes still; all three are left out because
// cheap printers implement them unevenly, where GS v 0 and ESC J work on
// every one. The saving: a ticket of 576 dots by 640 rows is 46 kB as full
// rows, and about 23 kB so (BENCHMARKS.md, "Ticket size").
//
// Printers act on the real-time commands DLE EOT, DLE ENQ and DLE DC4
// wherever their bytes occur, inside image data too, so the DLE byte of
// any such sequence in the image is cleared: a lone dot is lost, which is
// better than a status answer nobody asked for or a buffer cleared halfway
// through a ticket.
//
// # Status
//
// Status is four real-time queries, DLE EOT 1 to 4, sent one at a time,
// each after the answer to the one before; bits as in the Epson reference:
//
//	n=1 printer status:    bit 3 off-line
//	n=2 off-line cause:    bit 2 cover open, bit 5 stopped at paper end, bit 6 error
//	n=3 error cause:       bit 3 autocutter, bit 5 unrecoverable, bit 6 head too hot
//	n=4 roll paper sensor: bits 2-3 paper near end, bits 5-6 paper end
//
// A printer answers them at once, even while earlier data waits in its
// buffer. An answer whose fixed bits are wrong (bits 1 and 4 on, 0 and 7
// off) is ErrGarbled: on a serial line, a wrong baud rate. No answer
// within Timeout is ErrOffline.
//
// Answers are matched to their queries. Bytes the printer sent unasked are
// discarded before each query. The four answers look alike, so an answer
// that comes after its query timed out cannot be told from the next
// query's by its bits: the driver counts the answers it is owed, and the
// next query first waits for them, up to one Timeout after the one that
// timed out, and discards them. An answer later still is taken as lost (a
// printer that late is off-line by any measure); on TCP a timed-out
// query's connection is closed, and its late answers with it.
//
// # Confirmed jobs
//
// Print asks for the status before it sends anything and refuses, with
// ErrPaperOut, ErrCoverOpen, ErrPrinterError or ErrOffline, when the
// printer cannot print; paper low does not stop it. After the cut it sends
// GS r 1 (transmit paper sensor status), which a printer answers only once
// it has processed everything before it: the answer (bits 4 and 7 off,
// unlike any DLE EOT answer) means the whole ticket was printed and cut.
// Epson's printers and the clones of their command set implement it; GS (
// H, Epson's process ID response, is rarer. Print returns nil only then.
// A write that fails or falls short, a connection closed, no answer within
// the job's time limit, or an answer saying the roll ended is an error
// wrapping ErrJobIncomplete (and the cause: ErrOffline, ErrPaperOut): the
// ticket may be partly printed or not at all, and the kiosk offers a
// reprint.
//
// The time limit follows from the job: its bytes at the serial rate (10
// bits a byte; nothing on USB and TCP), plus its paper at PrintSpeed
// (25 mm/s by default, slower than any ticket printer) with the feed to
// the cutter, plus Timeout. Options.JobTime computes it; CheckBaud says
// whether a serial rate carries a ticket within MaxSendTime (15 s): at
// 9,600 baud an ordinary ticket of 15 kB takes 16 s, at 19,200 8 s.
//
// A printer that does not answer GS r fails every job with ErrJobIncomplete
// after its limit; set Confirm to ConfirmDrain for it: Print then waits
// for the job's computed time (bytes on the line and paper at PrintSpeed),
// asks DLE EOT, and takes a printer still online, with paper and its cover
// shut, to have printed the job: an estimate, not a confirmation. A
// write-only printer (NoStatus) is never asked: for it, nil means that the
// whole job was written to the device without error, no more.
//
// A status query never runs in the middle of a job: Status waits for the
// job being sent to finish.
//
// # Transports and reconnection
//
//   - "serial": through github.com/tarm/serial, 8N1, no flow control, with
//     a 0.1 s read timeout. Set the printer's highest rate (its self-test
//     page shows it; most take 115,200): the kiosk refuses a rate that
//     cannot carry its largest ordinary ticket within 15 s. The timeout matters: tarm/serial's Close waits
//     for a Read in progress, and a Read without a timeout waits for a byte
//     forever, keeping the device open after it was unplugged, so that it
//     comes back under another name. A read timeout reads as io.EOF, which
//     the driver takes as "no data yet". Serial writes have no timeout; as
//     the line has no flow control they always drain, at the baud rate,
//     and the job's time limit allows for it.
//   - "usb": the USB printer class device file (/dev/usb/lp0, usblp),
//     opened read-write. usblp supports poll, so reads and writes have
//     deadlines. Some USB printers never answer status queries: with those,
//     Status would always time out (offline). Set NoStatus: Print then
//     sends without asking, and Status reports Online when the device file
//     opens, which is all that can be known.
//   - "tcp": a raw socket, port 9100, with deadlines on every write.
//
// A goroutine per open transport reads what the printer sends; the job or
// query in progress writes on its caller's goroutine, one at a time. Any
// failed exchange (an I/O error, a status query unanswered) closes the
// transport, and the next Print or Status opens it again, by name: a
// printer switched off and on, a cable replugged, a TCP printer restarted
// all work again without restarting the program. When a status query finds
// that a connection it had died since it was last used (a TCP printer
// restarted meanwhile), it reconnects and asks once more at once.
//
// A job that breaks off (I/O error, Close, its time limit) leaves the
// printer in the middle of a band; a TCP or USB printer forgets it with the connection,
// a serial printer may take the next job's first bytes as the rest of that
// band. Cancelling ctx stops a job cleanly between bands and cuts.
//
// # Stable device names
//
// /dev/ttyUSB0 and /dev/usb/lp0 are numbered in the order devices appear,
// and a replugged printer can come back with another number. Give it a
// name of its own with a udev rule matched on its USB ids (lsusb shows
// them), in /etc/udev/rules.d/60-ticket-printer.rules:
//
//	# USB printer class (usblp): /dev/ticket-printer -> /dev/usb/lpN
//	SUBSYSTEM=="usbmisc", KERNEL=="lp*", ATTRS{idVendor}=="0416", ATTRS{idProduct}=="5011", SYMLINK+="ticket-printer", MODE="0660", GROUP="lp"
//	# USB-serial adapter: /dev/ticket-printer -> /dev/ttyUSBN
//	SUBSYSTEM=="tty", ATTRS{idVendor}=="067b", ATTRS{idProduct}=="2303", SYMLINK+="ticket-printer", MODE="0660", GROUP="dialout"
//
// then udevadm control --reload and replug, and set Path to
// /dev/ticket-printer. The kiosk's user must be in the group named.
//
// # Wiring
//
//	p, err := escpos.New(escpos.Options{
//		Transport: escpos.TransportUSB,
//		Path:      "/dev/ticket-printer",
//		PaperDots: 576,
//		Logger:    log.With("device", deviceID),
//	})
//	if err != nil {
//		return fmt.Errorf("escpos.New: %w", err) // bad options; no I/O yet
//	}
//	defer p.Close()
//
//	img, err := renderer.Render(ticket, false) // *image.Gray, 576 wide
//	...
//	switch err := p.Print(ctx, img); {
//	case err == nil:
//		// printed and cut: the printer confirmed it
//	case errors.Is(err, escpos.ErrJobIncomplete):
//		// started, not confirmed: part of the ticket may be out; offer a reprint
//	case errors.Is(err, escpos.ErrPaperOut), errors.Is(err, escpos.ErrCoverOpen):
//		// refused before printing: tell the citizen to ask staff; report the state
//	default:
//		// refused before printing: offer a reprint
//	}
//	st, _ := p.Status(ctx) // between jobs; the zero Status when unreachable
//	health.Printer = st.State()
//
// A serial printer: Transport escpos.TransportSerial, Path, and Baud from
// its self-test page. A network printer: Transport escpos.TransportTCP and
// Addr "192.168.1.50:9100". Tests and simulation use escpostest.Fake; the
// driver's own tests run against escpostest.Device at the other end of a
// pseudo-terminal or a TCP connection.
package escpos
