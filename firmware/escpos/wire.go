package escpos

import (
	"image"
	"slices"
)

// ESC/POS bytes this driver sends and reads.
const (
	dle = 0x10
	eot = 0x04
	enq = 0x05
	dc4 = 0x14
	esc = 0x1B
	gs  = 0x1D

	// cutFeed is n of GS V 66 n: the paper is fed to the cutter plus n
	// motion units (about 3 mm), then cut partially.
	cutFeed = 24
)

// Sizes of the fixed parts of a job.
const (
	initLen       = 2 // ESC @
	bandHeaderLen = 8 // GS v 0 m xL xH yL yH
	feedLen       = 3 // ESC J n
	cutLen        = 4 // GS V 66 n
	confirmLen    = 3 // GS r 1

	// maxFeed is the most rows one ESC J feeds.
	maxFeed = 255
)

// confirmQuery is GS r 1, transmit paper sensor status: a printer
// answers it only once it has processed everything sent before it.
var confirmQuery = []byte{gs, 'r', 1}

// encodeJob encodes one ticket: ESC @, then the image from the top, runs of
// blank rows as ESC J feeds and the other rows as GS v 0 bands of at most
// bandRows rows, each band only as wide as its rightmost printing dot
// (rounded up to a byte), then GS V 66 n. ends holds where each write ends:
// one per band, each with the feeds before it (the first with ESC @ too),
// and last the cut with any feed before it. guarded counts the dots
// cleared by guardRealTime. img must have passed CheckImage.
func encodeJob(img *image.Gray, bandRows int) (data []byte, ends []int, guarded int) {
	r := img.Rect
	w, h := r.Dx(), r.Dy()
	wb := w / 8
	// extent[y] is how many bytes row y needs: up to its last printing dot.
	extent := make([]int, h)
	for y := range h {
		row := img.Pix[img.PixOffset(r.Min.X, r.Min.Y+y):][:w]
		for x := w - 1; x >= 0; x-- {
			if row[x] < 0x80 {
				extent[y] = x/8 + 1
				break
			}
		}
	}
	data = make([]byte, 0, initLen+wb*h/2+cutLen)
	data = append(data, esc, '@')
	blank := 0 // rows to feed before the next band
	feed := func() {
		for ; blank > 0; blank -= min(blank, maxFeed) {
			data = append(data, esc, 'J', byte(min(blank, maxFeed)))
		}
	}
	for y := 0; y < h; {
		if extent[y] == 0 {
			blank++
			y++
			continue
		}
		feed()
		rows, bw := 0, 0
		for rows < bandRows && y+rows < h && extent[y+rows] > 0 {
			bw = max(bw, extent[y+rows])
			rows++
		}
		data = append(data, gs, 'v', '0', 0, byte(bw), byte(bw>>8), byte(rows), byte(rows>>8))
		start := len(data)
		data = slices.Grow(data, bw*rows)[:start+bw*rows]
		out := data[start:]
		for yy := y; yy < y+rows; yy++ {
			row := img.Pix[img.PixOffset(r.Min.X, r.Min.Y+yy):][:bw*8]
			for x := 0; x < bw*8; x += 8 {
				// A pixel prints when its top bit is clear (darker
				// than mid-grey): gather the top bits, then invert.
				px := row[x : x+8 : x+8]
				out[0] = ^(px[0]&0x80 | px[1]&0x80>>1 | px[2]&0x80>>2 | px[3]&0x80>>3 |
					px[4]&0x80>>4 | px[5]&0x80>>5 | px[6]&0x80>>6 | px[7]&0x80>>7)
				out = out[1:]
			}
		}
		guarded += guardRealTime(data[start:])
		ends = append(ends, len(data))
		y += rows
	}
	// Trailing blank rows are fed too: the ticket keeps its bottom margin.
	feed()
	data = append(data, gs, 'V', 66, cutFeed)
	ends = append(ends, len(data))
	return data, ends, guarded
}

// guardRealTime clears the DLE byte (0x10: one lone dot) of every DLE EOT,
// DLE ENQ and DLE DC4 sequence in raster data, and returns how many it
// cleared. Printers act on these real-time commands wherever they occur,
// inside image data too: they would answer a status query nobody sent
// (which the next Status would take for its own answer), restart after an
// "error", or clear their buffers halfway through a ticket. One missing dot
// is the price. The bytes around band data (the header's height, the next
// GS) cannot complete such a sequence.
func guardRealTime(b []byte) int {
	n := 0
	for i := 0; i+1 < len(b); i++ {
		if b[i] == dle {
			switch b[i+1] {
			case eot, enq, dc4:
				b[i] = 0
				n++
			}
		}
	}
	return n
}

// validReply reports whether b can be an answer to DLE EOT 1 to 4: in all
// four, bits 1 and 4 are fixed on and bits 0 and 7 fixed off.
func validReply(b byte) bool { return b&0x93 == 0x12 }

// parseStatus reads the answers to DLE EOT 1, 2, 3 and 4, bits as in the
// Epson ESC/POS reference:
//
//	n=1 printer status:      bit 3 off-line
//	n=2 off-line cause:      bit 2 cover open, bit 5 stopped at paper end, bit 6 error
//	n=3 error cause:         bit 3 autocutter error, bit 5 unrecoverable error,
//	                         bit 6 automatically recoverable error (head too hot)
//	n=4 roll paper sensor:   bits 2-3 paper near end, bits 5-6 paper end
//
// Cheap printers set one bit of each pair or both, so either counts.
func parseStatus(b [4]byte) Status {
	return Status{
		Online:    b[0]&0x08 == 0,
		CoverOpen: b[1]&0x04 != 0,
		PaperOut:  b[1]&0x20 != 0 || b[3]&0x60 != 0,
		PaperLow:  b[3]&0x0C != 0,
		Error:     b[1]&0x40 != 0 || b[2]&0x68 != 0,
	}
}

// JobBytes is how many bytes Print sends for img in bands of DefaultBandRows:
// what a serial line has to carry for one ticket. img must have passed
// CheckImage.
func JobBytes(img *image.Gray) int {
	data, _, _ := encodeJob(img, DefaultBandRows)
	return len(data)
}
