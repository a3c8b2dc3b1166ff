package ticket

import (
	"fmt"
	"image"
	"image/color"

	qrcode "github.com/skip2/go-qrcode"
)

// qr is a QR code placed on the page: modules of a whole number of dots,
// centred, inside a white quiet zone of quietModules on every side.
type qr struct {
	modules [][]bool // without quiet zone; [y][x], true is dark
	module  int      // dots per module
	paper   int      // page width
}

// newQR encodes text at error correction level M with modules as large as
// fit qrShare of the paper, from minModule to maxModule dots.
func newQR(text string, paper int) (*qr, error) {
	c, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("qrcode.New: %w", err)
	}
	c.DisableBorder = true // the quiet zone is ours, in whole modules
	m := c.Bitmap()        // Bitmap encodes: call it once
	side := len(m) + 2*quietModules
	module := min(maxModule, int(qrShare*float64(paper))/side)
	if module < minModule {
		module = minModule
	}
	if side*module > paper {
		return nil, fmt.Errorf("%d characters need %d modules with quiet zone, %d dots at %d dots a module, and the paper is %d dots: %w",
			len(text), side, side*module, module, paper, ErrQRTooLarge)
	}
	return &qr{modules: m, module: module, paper: paper}, nil
}

// size is the side of the code with its quiet zone, in dots.
func (q *qr) size() int { return (len(q.modules) + 2*quietModules) * q.module }

// draw draws the code with its quiet zone from left, top.
func (q *qr) draw(dst *image.Gray, left, top int) {
	fill(dst, image.Rect(left, top, left+q.size(), top+q.size()), color.Gray{255})
	x0, y0 := left+quietModules*q.module, top+quietModules*q.module
	for y, row := range q.modules {
		for x, dark := range row {
			if dark {
				fill(dst, image.Rect(x0+x*q.module, y0+y*q.module, x0+(x+1)*q.module, y0+(y+1)*q.module), color.Gray{0})
			}
		}
	}
}
