package escpos

import (
	"context"
	"errors"
	"fmt"
	"image"

	"github.com/sothutu/sothutu/protocol"
)

// Sentinel errors callers branch on. Their messages say what to do, so a
// kiosk can show them to the technician as they are.
var (
	// ErrOffline: the printer cannot be reached or did not answer in time,
	// or it reports itself off-line. Nothing was printed, or a job broke off.
	ErrOffline = errors.New("escpos: printer offline: check its power, its cable and its device name")
	// ErrPaperOut: the roll is empty. Nothing was printed.
	ErrPaperOut = errors.New("escpos: printer out of paper: load a new roll")
	// ErrCoverOpen: the paper cover is open. Nothing was printed.
	ErrCoverOpen = errors.New("escpos: printer cover open: close it")
	// ErrPrinterError: the printer reports an error (cutter jam, print head
	// too hot, a fault it cannot recover from). Nothing was printed.
	ErrPrinterError = errors.New("escpos: printer error: clear the cutter, let it cool, or power it off and on")
	// ErrGarbled: the printer answered a status query with bytes that are not
	// ESC/POS status, most often because the serial baud rate is wrong.
	ErrGarbled = errors.New("escpos: unrecognised reply from the printer: check the baud rate")
	// ErrImage: the image cannot be printed on this paper.
	ErrImage = errors.New("escpos: image unsuitable")
	// ErrOptions: New was given options it cannot work with; the message
	// names the field.
	ErrOptions = errors.New("escpos: bad options")
	// ErrClosed: the printer was closed.
	ErrClosed = errors.New("escpos: printer closed")
	// ErrJobIncomplete: a job was started but the printer did not confirm
	// that it processed all of it: a write failed or fell short, the
	// connection closed, the printer did not answer the confirming query
	// within the job's time limit, or it reports the paper ended. Part of
	// the ticket, or all of it, may be missing. The error wraps the cause
	// too (ErrOffline, ErrPaperOut, ErrGarbled, a context's error).
	ErrJobIncomplete = errors.New("escpos: ticket not confirmed printed: reprint it")
)

// Printer is a ticket printer.
type Printer interface {
	// Print sends one job: a 1-bit image, then a feed and a partial cut.
	// Pixels darker than mid-grey print. The width must be a multiple of 8
	// and at most the paper's width in dots. Print refuses with ErrPaperOut,
	// ErrCoverOpen, ErrPrinterError or ErrOffline, before sending anything,
	// when the printer says it cannot print. Nothing else reaches the
	// printer while a job is being sent. Print returns nil only once the
	// printer has confirmed that it processed the whole job (see the
	// package doc for write-only printers); a job started and not
	// confirmed is an error wrapping ErrJobIncomplete.
	Print(ctx context.Context, img *image.Gray) error
	// Status asks the printer for its state. It waits for a job being sent
	// to finish first. When the printer cannot be reached it returns the
	// zero Status (State offline) and an error wrapping ErrOffline; when
	// it answers garbage, a Status with Error set and ErrGarbled.
	Status(ctx context.Context) (Status, error)
	// Close releases the transport. Print and Status then fail with
	// ErrClosed.
	Close() error
}

// Status is a printer's state as it reported it.
type Status struct {
	// Online: the printer answered and is not off-line. A printer stops
	// being online when the cover opens, the paper ends, an error occurs,
	// or the feed button is held.
	Online bool
	// PaperLow: the roll's near-end sensor sees the roll is nearly used up.
	// Printing goes on.
	PaperLow bool
	// PaperOut: the paper-end sensor sees no paper, or printing stopped at
	// the end of the paper.
	PaperOut bool
	// CoverOpen: the paper cover is open.
	CoverOpen bool
	// Error: the printer reports an error (cutter, overheating, a fault
	// it cannot recover from), or it answered with bytes that are not
	// status.
	Error bool
}

// State is the printer state the kiosk reports in its health: one of
// protocol.PrinterOK, PrinterPaperLow, PrinterPaperOut, PrinterCover,
// PrinterOffline and PrinterError. When several apply, the one a person at
// the printer acts on first wins: an open cover before an empty roll (the
// roll is being changed) before an error before off-line before paper low.
func (s Status) State() string {
	switch {
	case s.CoverOpen:
		return protocol.PrinterCover
	case s.PaperOut:
		return protocol.PrinterPaperOut
	case s.Error:
		return protocol.PrinterError
	case !s.Online:
		return protocol.PrinterOffline
	case s.PaperLow:
		return protocol.PrinterPaperLow
	}
	return protocol.PrinterOK
}

// Err is the sentinel error for a state that prevents printing, in the
// order of State; nil when the printer can print (paper low included).
func (s Status) Err() error {
	switch {
	case s.CoverOpen:
		return ErrCoverOpen
	case s.PaperOut:
		return ErrPaperOut
	case s.Error:
		return ErrPrinterError
	case !s.Online:
		return ErrOffline
	}
	return nil
}

// MaxRows is the tallest image Print accepts: 2 m of paper at 203 dpi. A
// taller one is a rendering bug, not a ticket.
const MaxRows = 16000

// CheckImage reports, wrapping ErrImage, why img cannot be printed on paper
// paperDots wide; nil if it can. Print calls it; renderers may call it in
// their tests.
func CheckImage(img *image.Gray, paperDots int) error {
	if img == nil {
		return fmt.Errorf("%w: no image", ErrImage)
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	switch {
	case w <= 0 || h <= 0:
		return fmt.Errorf("%w: empty image %v", ErrImage, img.Rect)
	case w%8 != 0:
		return fmt.Errorf("%w: width %d is not a multiple of 8 dots", ErrImage, w)
	case w > paperDots:
		return fmt.Errorf("%w: width %d is wider than the paper's %d dots", ErrImage, w, paperDots)
	case h > MaxRows:
		return fmt.Errorf("%w: height %d is more than %d rows", ErrImage, h, MaxRows)
	}
	return nil
}
