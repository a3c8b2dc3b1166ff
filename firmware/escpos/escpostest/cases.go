package escpostest

import (
	"image"

	"github.com/sothutu/sothutu/firmware/escpos"
	"github.com/sothutu/sothutu/protocol"
)

// Answers to DLE EOT 1, 2, 3 and 4 of printers in common states, for
// Device.SetStatus. Bits 1 and 4 of every answer are fixed on (0x12).
var (
	Ready = [4]byte{0x12, 0x12, 0x12, 0x12}
	// PaperLow: roll near-end sensor, bits 2-3 of n=4.
	PaperLow = [4]byte{0x12, 0x12, 0x12, 0x1E}
	// PaperOut: off-line (n=1 bit 3), stopped at paper end (n=2 bit 5),
	// near-end and end sensors (n=4 bits 2-3 and 5-6).
	PaperOut = [4]byte{0x1A, 0x32, 0x12, 0x7E}
	// CoverOpen: off-line, cover open (n=2 bit 2).
	CoverOpen = [4]byte{0x1A, 0x16, 0x12, 0x12}
	// CutterJam: off-line, error (n=2 bit 6), autocutter error (n=3 bit 3).
	CutterJam = [4]byte{0x1A, 0x52, 0x1A, 0x12}
)

// StatusCase is one printer state on the wire and as the driver reads it.
type StatusCase struct {
	Name    string
	Answers [4]byte // to DLE EOT 1, 2, 3, 4
	Want    escpos.Status
	State   string
	Err     error // Status.Err
}

// StatusCases is the table of status answers the escpos tests share: the
// decoding test, the driver tests over each transport and the Device's own.
var StatusCases = []StatusCase{
	{Name: "ready", Answers: Ready,
		Want: escpos.Status{Online: true}, State: protocol.PrinterOK},
	{Name: "paper low", Answers: PaperLow,
		Want: escpos.Status{Online: true, PaperLow: true}, State: protocol.PrinterPaperLow},
	{Name: "paper low, one sensor bit", Answers: [4]byte{0x12, 0x12, 0x12, 0x16}, // n=4 bit 2 only
		Want: escpos.Status{Online: true, PaperLow: true}, State: protocol.PrinterPaperLow},
	{Name: "paper out", Answers: PaperOut,
		Want:  escpos.Status{PaperOut: true, PaperLow: true},
		State: protocol.PrinterPaperOut, Err: escpos.ErrPaperOut},
	{Name: "paper out, sensor only", Answers: [4]byte{0x12, 0x12, 0x12, 0x72}, // n=4 bits 5-6, still online
		Want:  escpos.Status{Online: true, PaperOut: true},
		State: protocol.PrinterPaperOut, Err: escpos.ErrPaperOut},
	{Name: "cover open", Answers: CoverOpen,
		Want:  escpos.Status{CoverOpen: true},
		State: protocol.PrinterCover, Err: escpos.ErrCoverOpen},
	{Name: "cover open while out of paper", Answers: [4]byte{0x1A, 0x36, 0x12, 0x7E},
		Want:  escpos.Status{CoverOpen: true, PaperOut: true, PaperLow: true},
		State: protocol.PrinterCover, Err: escpos.ErrCoverOpen},
	{Name: "cutter jam", Answers: CutterJam,
		Want:  escpos.Status{Error: true},
		State: protocol.PrinterError, Err: escpos.ErrPrinterError},
	{Name: "unrecoverable error", Answers: [4]byte{0x1A, 0x52, 0x32, 0x12}, // n=3 bit 5
		Want:  escpos.Status{Error: true},
		State: protocol.PrinterError, Err: escpos.ErrPrinterError},
	{Name: "head too hot", Answers: [4]byte{0x12, 0x12, 0x52, 0x12}, // n=3 bit 6, online
		Want:  escpos.Status{Online: true, Error: true},
		State: protocol.PrinterError, Err: escpos.ErrPrinterError},
	{Name: "off-line, feed button held", Answers: [4]byte{0x5A, 0x1A, 0x12, 0x12}, // n=1 bits 3, 6; n=2 bit 3
		Want:  escpos.Status{},
		State: protocol.PrinterOffline, Err: escpos.ErrOffline},
	{Name: "drawer pin high is ignored", Answers: [4]byte{0x16, 0x12, 0x12, 0x12}, // n=1 bit 2
		Want: escpos.Status{Online: true}, State: protocol.PrinterOK},
}

// JobCase is one image and the exact bytes the driver sends for it.
type JobCase struct {
	Name     string
	BandRows int
	Image    *image.Gray
	Wire     []byte
	// Printed is what comes out of the printer, when not Image itself.
	Printed *image.Gray
}

// JobCases is the table of jobs the escpos encoding test and the Device's
// decoding test share.
var JobCases = []JobCase{
	{
		Name:     "one byte",
		BandRows: 24,
		Image:    Bits(8, []byte{0xB0}),
		Wire: []byte{
			0x1B, 0x40, // ESC @
			0x1D, 0x76, 0x30, 0x00, // GS v 0, normal size
			0x01, 0x00, // 1 byte wide
			0x01, 0x00, // 1 row
			0xB0,                   // dots 0, 2 and 3
			0x1D, 0x56, 0x42, 0x18, // GS V 66 24: feed to the cutter and 24 more, partial cut
		},
	},
	{
		Name:     "three rows in bands of two",
		BandRows: 2,
		Image:    Bits(16, []byte{0xFF, 0x01}, []byte{0x80, 0x00}, []byte{0x0F, 0xF0}),
		Wire: []byte{
			0x1B, 0x40, // ESC @
			0x1D, 0x76, 0x30, 0x00, 0x02, 0x00, 0x02, 0x00, // GS v 0, 2 bytes wide, 2 rows
			0xFF, 0x01, 0x80, 0x00,
			0x1D, 0x76, 0x30, 0x00, 0x02, 0x00, 0x01, 0x00, // GS v 0, 2 bytes wide, 1 row
			0x0F, 0xF0,
			0x1D, 0x56, 0x42, 0x18, // GS V 66 24
		},
	},
	{
		Name:     "blank rows fed, bands cropped to their ink",
		BandRows: 24,
		Image: Bits(16,
			[]byte{0x80, 0x00}, // one byte wide
			[]byte{0x00, 0x00}, // blank
			[]byte{0x00, 0x00}, // blank
			[]byte{0x00, 0x01}, // two bytes wide
			[]byte{0x00, 0x00}, // blank, at the bottom
		),
		Wire: []byte{
			0x1B, 0x40, // ESC @
			0x1D, 0x76, 0x30, 0x00, 0x01, 0x00, 0x01, 0x00, // GS v 0, 1 byte wide, 1 row
			0x80,
			0x1B, 0x4A, 0x02, // ESC J 2: feed two rows
			0x1D, 0x76, 0x30, 0x00, 0x02, 0x00, 0x01, 0x00, // GS v 0, 2 bytes wide, 1 row
			0x00, 0x01,
			0x1B, 0x4A, 0x01, // ESC J 1
			0x1D, 0x56, 0x42, 0x18, // GS V 66 24
		},
	},
	{
		Name:     "real-time sequences in the data",
		BandRows: 24,
		Image: Bits(32,
			[]byte{0x10, 0x04, 0x01, 0x10}, // DLE EOT 1: would answer a query
			[]byte{0x05, 0x02, 0x10, 0x14}, // DLE ENQ 2 across rows: would clear the buffer; DLE DC4 next
			[]byte{0x08, 0x10, 0x10, 0x04}, // DLE DLE EOT: only the second DLE starts one
		),
		Wire: []byte{
			0x1B, 0x40, // ESC @
			0x1D, 0x76, 0x30, 0x00, 0x04, 0x00, 0x03, 0x00, // GS v 0, 4 bytes wide, 3 rows
			0x00, 0x04, 0x01, 0x00, // each DLE that starts a sequence loses its dot
			0x05, 0x02, 0x00, 0x14,
			0x08, 0x10, 0x00, 0x04,
			0x1D, 0x56, 0x42, 0x18, // GS V 66 24
		},
		Printed: Bits(32,
			[]byte{0x00, 0x04, 0x01, 0x00},
			[]byte{0x05, 0x02, 0x00, 0x14},
			[]byte{0x08, 0x10, 0x00, 0x04},
		),
	},
}

// Bits makes a width-dot image from packed rows, most significant bit
// leftmost, 1 black (0x00) and 0 white (0xFF), as ESC/POS packs them.
func Bits(width int, rows ...[]byte) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, width, len(rows)))
	for y, row := range rows {
		for x := range width {
			v := uint8(0xFF)
			if row[x/8]&(0x80>>(x%8)) != 0 {
				v = 0
			}
			img.Pix[y*img.Stride+x] = v
		}
	}
	return img
}

// OnPaper is img as it comes out of a printer with paper paperDots wide:
// from the paper's left edge, blank beyond its right.
func OnPaper(img *image.Gray, paperDots int) *image.Gray {
	out := image.NewGray(image.Rect(0, 0, paperDots, img.Rect.Dy()))
	for i := range out.Pix {
		out.Pix[i] = 0xFF
	}
	for y := range img.Rect.Dy() {
		copy(out.Pix[y*out.Stride:], img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y):][:img.Rect.Dx()])
	}
	return out
}
