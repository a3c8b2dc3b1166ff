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

// Sizes in dots for 58 mm paper; wider paper scales them by a third of its
// extra width, so 80 mm paper has larger type and still more letters a
// line, and not much more paper.
// They are chosen for paper: an ordinary ticket takes at most 80 mm of it
// on either roll (BENCHMARKS.md, "Ticket size").
const (
	marginDots   = 12  // left and right, inside the printable width
	centrePx     = 20  // centre name, bold
	titlePx      = 22  // "PHIẾU SỐ THỨ TỰ", bold
	servicePx    = 24  // service name
	numberMaxPx  = 120 // the number, bold, as large as fits up to this
	numberMinPx  = 40
	boxPx        = 24 // priority and reprint marks, bold
	bodyPx       = 22 // people ahead, wait, date, one line each without a QR code
	labelPx      = 17 // beside the QR code: what each figure is
	valuePx      = 26 // beside the QR code: the figures, bold
	captionPx    = 16 // under the QR code
	tokenPx      = 20 // beside the QR code, bold
	footerPx     = 18
	ruleDots     = 2
	qrShare      = 0.36 // of the paper width, quiet zone included, at most
	maxModule    = 8    // dots per QR module, at most (1 mm)
	minModule    = 4    // dots per QR module, at least (0.5 mm)
	quietModules = 4    // QR quiet zone
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

// column is lines of text set flush left in a column beside something
// else, each in its own face.
type column struct {
	lines []columnLine
	h     int
}

type columnLine struct {
	face     font.Face
	s        string
	top, bot int // lineBox
}

// add wraps s to width and adds its lines.
func (c *column) add(face font.Face, s string, width int) {
	for _, l := range wrap(face, s, width) {
		top, bot := lineBox(face, l)
		c.lines = append(c.lines, columnLine{face, l, top, bot})
		c.h += bot - top
	}
}

// drawCentred draws the column's lines each centred between x0 and x1, its
// top at y.
func (c *column) drawCentred(dst *image.Gray, x0, x1, y int) {
	for _, l := range c.lines {
		drawCentred(dst, l.face, l.s, x0, x1, y-l.top, 0)
		y += l.bot - l.top
	}
}

// draw draws the column with its ink starting at x, its top at y.
func (c *column) draw(dst *image.Gray, x, y int) {
	for _, l := range c.lines {
		drawLeft(dst, l.face, l.s, x, y-l.top, 0)
		y += l.bot - l.top
	}
}

// markSpec is one boxed mark: inverted (white on black) for priority,
// outlined for reprint.
type markSpec struct {
	s        string
	inverted bool
}

// marks adds boxed marks in one row across the text width, side by side
// so that a priority reprint costs one row of paper. Text inside is
// wrapped, never cut, and centred by its ink, so each box looks even
// around capitals.
func (p *page) marks(face font.Face, specs ...markSpec) {
	if len(specs) == 0 {
		return
	}
	pad := int(math.Ceil(float64(face.Metrics().Height.Ceil()) * 0.25))
	border := max(3, pad/3)
	gap := pad
	boxW := (p.textWidth() - gap*(len(specs)-1)) / len(specs)
	type box struct {
		lines []string
		ink   [][2]int // ink top and bottom of each line
	}
	boxes := make([]box, len(specs))
	h := 0
	for i, m := range specs {
		b := &boxes[i]
		b.lines = wrap(face, m.s, boxW-2*pad)
		bh := 2 * pad
		for j, l := range b.lines {
			ink, _ := font.BoundString(face, l)
			b.ink = append(b.ink, [2]int{ink.Min.Y.Floor(), ink.Max.Y.Ceil()})
			if j > 0 {
				bh += pad / 2
			}
			bh += b.ink[j][1] - b.ink[j][0]
		}
		h = max(h, bh)
	}
	p.add(h, func(dst *image.Gray, y int) {
		for i, m := range specs {
			x0 := p.margin + i*(boxW+gap)
			x1 := x0 + boxW
			if i == len(specs)-1 {
				x1 = p.w - p.margin
			}
			rect := image.Rect(x0, y, x1, y+h)
			fill(dst, rect, color.Gray{0})
			ink := uint8(0)
			if m.inverted {
				ink = 255
			} else {
				fill(dst, rect.Inset(border), color.Gray{255})
			}
			b := boxes[i]
			textH := 0
			for j, l := range b.ink {
				if j > 0 {
					textH += pad / 2
				}
				textH += l[1] - l[0]
			}
			ty := y + (h-textH)/2
			for j, l := range b.lines {
				if j > 0 {
					ty += pad / 2
				}
				drawCentred(dst, face, l, x0, x1, ty-b.ink[j][0], ink)
				ty += b.ink[j][1] - b.ink[j][0]
			}
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
	drawAt(dst, face, s, fixed.Point26_6{X: fixed.I(x0+x1)/2 - (left+right)/2, Y: fixed.I(baseline)}, ink)
}

// drawLeft draws s with its ink or advance starting at x.
func drawLeft(dst *image.Gray, face font.Face, s string, x, baseline int, ink uint8) {
	ib, _ := font.BoundString(face, s)
	drawAt(dst, face, s, fixed.Point26_6{X: fixed.I(x) - min(0, ib.Min.X), Y: fixed.I(baseline)}, ink)
}

// drawAt draws s from the dot on its baseline.
func drawAt(dst *image.Gray, face font.Face, s string, dot fixed.Point26_6, ink uint8) {
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
	centre, title, service, box, body, label, value, caption, token, footer font.Face
}

// scaled is a size for 58 mm paper scaled to the page.
func (r *Renderer) scaled(px int) float64 {
	return float64(px) * (1 + (float64(r.l.PaperDots)/Paper58mm-1)/3)
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
		{&fs.body, false, bodyPx}, {&fs.label, false, labelPx},
		{&fs.value, true, valuePx}, {&fs.caption, false, captionPx},
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

// layout builds a ticket's page. The printer's head sits some way behind
// its cutter, so the paper above the first line is blank already: the
// ticket starts at once.
func (r *Renderer) layout(t protocol.Ticket, reprint bool) (*page, error) {
	fs, err := r.faces()
	if err != nil {
		return nil, err
	}
	lb := r.labels(t.Lang)
	sp := func(px int) int { return int(math.Round(r.scaled(px))) }
	p := &page{w: r.l.PaperDots, margin: sp(marginDots)}

	p.space(sp(2))
	if r.l.CentreName != "" {
		p.text(fs.centre, r.l.CentreName)
		p.space(sp(3))
		p.rule(ruleDots)
		p.space(sp(5))
	}
	// A priority ticket or a reprint says so where the title would be:
	// what it is matters more than that it is a ticket.
	var marks []markSpec
	if t.Priority != protocol.PriorityNone {
		marks = append(marks, markSpec{lb.priority, true})
	}
	if reprint {
		marks = append(marks, markSpec{lb.reprint, false})
	}
	if len(marks) > 0 {
		p.marks(fs.box, marks...)
		p.space(sp(3))
	} else {
		p.text(fs.title, lb.title)
	}
	service := r.l.ServiceName
	if service == "" {
		service = norm.NFC.String(t.Service)
	}
	if service != "" {
		p.text(fs.service, service)
	}
	p.space(sp(2))
	if err := r.number(p, norm.NFC.String(t.Number)); err != nil {
		return nil, err
	}
	var q *qr
	if r.statusURL != "" && t.Token != "" {
		if q, err = newQR(r.link(t.Token), r.l.PaperDots); err != nil {
			return nil, err
		}
	}
	switch {
	case q != nil && q.size() <= p.w/2:
		r.panel(p, fs, lb, t, q)
	default:
		p.text(fs.body, fmt.Sprintf(lb.ahead, t.Ahead))
		p.text(fs.body, lb.waitText(t.WaitSeconds))
		if !t.Issued.IsZero() {
			p.text(fs.body, issuedText(t.Issued, r.l.Location))
		}
		if q != nil {
			p.space(sp(4))
			p.text(fs.caption, lb.scan)
			p.add(q.size(), func(dst *image.Gray, top int) { q.draw(dst, (q.paper-q.size())/2, top) })
			p.text(fs.token, t.Token)
		}
	}
	p.space(sp(4))
	p.rule(ruleDots)
	p.space(sp(3))
	footer := r.l.Footer
	if footer == "" {
		footer = lb.footer
	}
	p.text(fs.footer, footer)
	p.space(sp(6))
	return p, nil
}

// panel adds the QR code at the left, with what it is for under it, and
// the figures beside it: people ahead, the wait, the date and the token,
// each figure under its label. Side by side they take the code's height of
// paper instead of theirs and its together.
func (r *Renderer) panel(p *page, fs *faces, lb labels, t protocol.Ticket, q *qr) {
	// The code's quiet zone lies in the paper's margin; the text starts
	// after it.
	left := max(0, p.margin-quietModules*q.module)
	x := left + q.size()
	width := p.w - p.margin - x
	// The caption is centred under the code and kept out of the margin.
	inset := max(0, p.margin-left)
	var caption column
	caption.add(fs.caption, lb.scan, q.size()-2*inset)
	codeH := q.size() + caption.h
	var c column
	c.add(fs.label, lb.aheadLabel, width)
	c.add(fs.value, fmt.Sprint(t.Ahead), width)
	c.add(fs.label, lb.waitLabel, width)
	c.add(fs.value, lb.waitValue(t.WaitSeconds), width)
	if !t.Issued.IsZero() {
		c.add(fs.label, issuedText(t.Issued, r.l.Location), width)
	}
	c.add(fs.token, t.Token, width)
	h := max(codeH, c.h)
	p.add(h, func(dst *image.Gray, top int) {
		y := top + (h-codeH)/2
		q.draw(dst, left, y)
		caption.drawCentred(dst, left+inset, left+q.size()-inset, y+q.size())
		c.draw(dst, x, top+(h-c.h)/2)
	})
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
