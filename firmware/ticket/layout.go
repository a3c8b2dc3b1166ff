package ticket

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/unicode/norm"

	"github.com/sothutu/sothutu/protocol"
)

// Sizes in dots for 58 mm paper; wider paper scales them by half its extra
// width, so 80 mm paper has larger type and still more letters a line.
const (
	marginDots   = 12  // left and right, inside the printable width
	centrePx     = 24  // centre name, bold
	titlePx      = 30  // "PHIẾU SỐ THỨ TỰ", bold
	servicePx    = 28  // service name
	numberMaxPx  = 150 // the number, bold, as large as fits up to this
	numberMinPx  = 40
	boxPx        = 32 // priority and reprint marks, bold
	bodyPx       = 24 // people ahead, wait, date
	captionPx    = 20 // above the QR code
	tokenPx      = 24 // under the QR code, bold
	footerPx     = 22
	ruleDots     = 2
	qrShare      = 0.6 // of the paper width, quiet zone included, at most
	maxModule    = 8   // dots per QR module, at most (1 mm)
	minModule    = 4   // dots per QR module, at least
	quietModules = 4   // QR quiet zone
)

// tallLetters set the line box: Vietnamese capitals stack two marks above
// the cap height, and dots below sit under the baseline.
const tallLetters = "ẤẪỖỮẴỸỴẠgjpqy"

// page is a ticket being laid out: a column of blocks, each with its height
// and a function drawing it at its top. Heights are known before drawing,
// so the image is allocated once at its final size.
type page struct {
	w, margin int
	blocks    []block
}

type block struct {
	h    int
	draw func(dst *image.Gray, top int)
}

func (p *page) add(h int, draw func(dst *image.Gray, top int)) {
	p.blocks = append(p.blocks, block{h, draw})
}

func (p *page) space(h int) { p.add(h, nil) }

// rule is a full-width line between sections.
func (p *page) rule(thick int) {
	p.add(thick, func(dst *image.Gray, top int) {
		fill(dst, image.Rect(p.margin, top, p.w-p.margin, top+thick), color.Gray{0})
	})
}

// textWidth is the width text may take.
func (p *page) textWidth() int { return p.w - 2*p.margin }

// text adds s wrapped to the text width, each line centred, in black on
// white.
func (p *page) text(face font.Face, s string) {
	for _, line := range wrap(face, s, p.textWidth()) {
		p.line(face, line)
	}
}

// line adds one line of text, centred.
func (p *page) line(face font.Face, s string) {
	top, bottom := lineBox(face, s)
	p.add(bottom-top, func(dst *image.Gray, y int) {
		drawCentred(dst, face, s, 0, p.w, y-top, 0)
	})
}

// mark adds a boxed mark across the text width: inverted (white on black)
// for priority, outlined for reprint. Text inside is wrapped, never cut,
// and centred by its ink, so the box looks even around capitals.
func (p *page) mark(face font.Face, s string, inverted bool) {
	pad := int(math.Ceil(float64(face.Metrics().Height.Ceil()) * 0.35))
	border := max(3, pad/3)
	lines := wrap(face, s, p.textWidth()-2*pad)
	var boxes [][2]int // ink top and bottom of each line
	h := pad
	for i, l := range lines {
		ink, _ := font.BoundString(face, l)
		boxes = append(boxes, [2]int{ink.Min.Y.Floor(), ink.Max.Y.Ceil()})
		if i > 0 {
			h += pad / 2
		}
		h += boxes[i][1] - boxes[i][0]
	}
	h += pad
	p.add(h, func(dst *image.Gray, y int) {
		box := image.Rect(p.margin, y, p.w-p.margin, y+h)
		fill(dst, box, color.Gray{0})
		ink := uint8(0)
		if inverted {
			ink = 255
		} else {
			fill(dst, box.Inset(border), color.Gray{255})
		}
		y += pad
		for i, l := range lines {
			if i > 0 {
				y += pad / 2
			}
			drawCentred(dst, face, l, 0, p.w, y-boxes[i][0], ink)
			y += boxes[i][1] - boxes[i][0]
		}
	})
}

// render draws the blocks and thresholds the result to black and white.
func (p *page) render() *image.Gray {
	h := 0
	for _, b := range p.blocks {
		h += b.h
	}
	img := image.NewGray(image.Rect(0, 0, p.w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	y := 0
	for _, b := range p.blocks {
		if b.draw != nil {
			b.draw(img, y)
		}
		y += b.h
	}
	// Thermal heads have no grey: glyph edges more than half covered print.
	for i, v := range img.Pix {
		if v < 128 {
			img.Pix[i] = 0
		} else {
			img.Pix[i] = 255
		}
	}
	return img
}

// fill sets a rectangle to one grey; image/draw has no fast path for Gray.
func fill(dst *image.Gray, r image.Rectangle, c color.Gray) {
	r = r.Intersect(dst.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		i := dst.PixOffset(r.Min.X, y)
		row := dst.Pix[i : i+r.Dx()]
		for x := range row {
			row[x] = c.Y
		}
	}
}

// lineBox is a line's extent around its baseline, in whole dots: top is
// negative. It covers the face's tallest Vietnamese letters, so lines are
// evenly spaced, and the line's own ink, so nothing is ever cut.
func lineBox(face font.Face, s string) (top, bottom int) {
	ref, _ := font.BoundString(face, tallLetters)
	ink, _ := font.BoundString(face, s)
	gap := face.Metrics().Height.Ceil() / 10
	top = min(ref.Min.Y, ink.Min.Y).Floor() - gap
	bottom = max(ref.Max.Y, ink.Max.Y).Ceil() + gap
	return top, bottom
}

// inkWidth is the width s takes: its advance, or its ink where a glyph
// overhangs.
func inkWidth(face font.Face, s string) int {
	ink, adv := font.BoundString(face, s)
	return (max(adv, ink.Max.X) - min(0, ink.Min.X)).Ceil()
}

// drawCentred draws s centred between x0 and x1 on the given baseline, in
// ink: 0 for black, 255 for white.
func drawCentred(dst *image.Gray, face font.Face, s string, x0, x1, baseline int, ink uint8) {
	ib, adv := font.BoundString(face, s)
	left, right := min(0, ib.Min.X), max(adv, ib.Max.X)
	dot := fixed.Point26_6{X: fixed.I(x0+x1)/2 - (left+right)/2, Y: fixed.I(baseline)}
	prev := rune(-1)
	for _, c := range s {
		if prev >= 0 {
			dot.X += face.Kern(prev, c)
		}
		dr, mask, mp, advance, ok := face.Glyph(dot, c)
		if ok {
			blend(dst, dr, mask, mp, ink)
		}
		dot.X += advance
		prev = c
	}
}

// blend lays ink over dst through a glyph's coverage mask. It does what
// draw.DrawMask with draw.Over does, without its slow path for Gray.
func blend(dst *image.Gray, dr image.Rectangle, mask image.Image, mp image.Point, ink uint8) {
	clipped := dr.Intersect(dst.Rect)
	mp = mp.Add(clipped.Min.Sub(dr.Min))
	a, ok := mask.(*image.Alpha)
	for y := range clipped.Dy() {
		for x := range clipped.Dx() {
			var cov uint32
			if ok {
				cov = uint32(a.AlphaAt(mp.X+x, mp.Y+y).A)
			} else {
				_, _, _, a16 := mask.At(mp.X+x, mp.Y+y).RGBA()
				cov = a16 >> 8
			}
			if cov == 0 {
				continue
			}
			i := dst.PixOffset(clipped.Min.X+x, clipped.Min.Y+y)
			dst.Pix[i] = uint8((uint32(dst.Pix[i])*(255-cov) + uint32(ink)*cov + 127) / 255)
		}
	}
}

// wrap breaks s into lines no wider than width: at spaces (not no-break
// spaces), and inside a word only when the word alone is wider than a line.
func wrap(face font.Face, s string, width int) []string {
	var lines []string
	line := ""
	words := strings.FieldsFunc(s, func(c rune) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' })
	for _, word := range words {
		if line != "" {
			if inkWidth(face, line+" "+word) <= width {
				line += " " + word
				continue
			}
			lines = append(lines, line)
			line = ""
		}
		for inkWidth(face, word) > width {
			// Cut after the most letters that fit, at least one.
			cut := 0
			for i := range word {
				if i > 0 && inkWidth(face, word[:i]) > width {
					break
				}
				cut = i
			}
			if cut == 0 {
				_, cut = utf8.DecodeRuneInString(word)
			}
			lines = append(lines, word[:cut])
			word = word[cut:]
		}
		line = word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// faces are one Render's faces: a face is not safe for concurrent use.
type faces struct {
	centre, title, service, box, body, caption, token, footer font.Face
}

// scaled is a size for 58 mm paper scaled to the page.
func (r *Renderer) scaled(px int) float64 {
	return float64(px) * (1 + float64(r.l.PaperDots)/Paper58mm) / 2
}

func (r *Renderer) faces() (*faces, error) {
	var fs faces
	for _, f := range []struct {
		dst  *font.Face
		bold bool
		px   int
	}{
		{&fs.centre, true, centrePx}, {&fs.title, true, titlePx},
		{&fs.service, false, servicePx}, {&fs.box, true, boxPx},
		{&fs.body, false, bodyPx}, {&fs.caption, false, captionPx},
		{&fs.token, true, tokenPx}, {&fs.footer, false, footerPx},
	} {
		font := r.regular
		if f.bold {
			font = r.bold
		}
		face, err := newFace(font, r.scaled(f.px))
		if err != nil {
			return nil, err
		}
		*f.dst = face
	}
	return &fs, nil
}

// layout builds a ticket's page.
func (r *Renderer) layout(t protocol.Ticket, reprint bool) (*page, error) {
	fs, err := r.faces()
	if err != nil {
		return nil, err
	}
	lb := r.labels(t.Lang)
	sp := func(px int) int { return int(math.Round(r.scaled(px))) }
	p := &page{w: r.l.PaperDots, margin: sp(marginDots)}

	p.space(sp(8))
	if r.l.CentreName != "" {
		p.text(fs.centre, r.l.CentreName)
		p.space(sp(6))
		p.rule(ruleDots)
		p.space(sp(10))
	}
	p.text(fs.title, lb.title)
	service := r.l.ServiceName
	if service == "" {
		service = norm.NFC.String(t.Service)
	}
	if service != "" {
		p.text(fs.service, service)
	}
	p.space(sp(10))
	if err := r.number(p, norm.NFC.String(t.Number)); err != nil {
		return nil, err
	}
	p.space(sp(10))
	if t.Priority != protocol.PriorityNone {
		p.mark(fs.box, lb.priority, true)
		p.space(sp(8))
	}
	if reprint {
		p.mark(fs.box, lb.reprint, false)
		p.space(sp(8))
	}
	p.text(fs.body, fmt.Sprintf(lb.ahead, t.Ahead))
	p.text(fs.body, lb.waitText(t.WaitSeconds))
	if !t.Issued.IsZero() {
		p.text(fs.body, issuedText(t.Issued, r.l.Location))
	}
	if r.statusURL != "" && t.Token != "" {
		p.space(sp(8))
		p.text(fs.caption, lb.scan)
		q, err := newQR(r.link(t.Token), r.l.PaperDots)
		if err != nil {
			return nil, err
		}
		p.add(q.size(), func(dst *image.Gray, top int) { q.draw(dst, top) })
		p.text(fs.token, t.Token)
	}
	p.space(sp(8))
	p.rule(ruleDots)
	p.space(sp(6))
	footer := r.l.Footer
	if footer == "" {
		footer = lb.footer
	}
	p.text(fs.footer, footer)
	p.space(sp(16))
	return p, nil
}

// number adds the ticket number as large as fits the text width, up to
// numberMaxPx scaled; its line box is its ink, since it dwarfs any gap.
func (r *Renderer) number(p *page, n string) error {
	if n == "" {
		return nil
	}
	width := p.textWidth()
	// Advances scale with size; hinting rounds them, so check and shrink.
	probe, err := newFace(r.bold, 100)
	if err != nil {
		return err
	}
	px := math.Min(r.scaled(numberMaxPx), 100*float64(width)/float64(inkWidth(probe, n)))
	px = math.Max(math.Floor(px), numberMinPx)
	var face font.Face
	for {
		if face, err = newFace(r.bold, px); err != nil {
			return err
		}
		if px <= numberMinPx || inkWidth(face, n) <= width {
			break
		}
		px--
	}
	pad := int(px / 12)
	for _, line := range wrap(face, n, width) {
		ink, _ := font.BoundString(face, line)
		top, bottom := ink.Min.Y.Floor()-pad, ink.Max.Y.Ceil()+pad
		p.add(bottom-top, func(dst *image.Gray, y int) {
			drawCentred(dst, face, line, 0, p.w, y-top, 0)
		})
	}
	return nil
}
