// Package ticket lays out a queue ticket as a black-and-white image for a
// thermal printer.
//
// Cheap ESC/POS printers garble Vietnamese through their code pages, so the
// kiosk never sends text: it draws the ticket with a TrueType font and sends
// the picture as a raster image. This package draws; the printer driver
// sends.
//
// # The image
//
// Render returns an *image.Gray exactly Layout.PaperDots wide (384 dots for
// 58 mm paper, 576 for 80 mm, at 203 dpi) and as tall as the ticket. Every
// pixel is 0 (black, prints) or 255 (white): the driver prints pixels below
// 128. Thermal heads print no grey, so anti-aliased glyph edges are
// thresholded at half coverage and nothing is dithered.
//
// From the top: the centre's name, the title ("PHIẾU SỐ THỨ TỰ" or "QUEUE
// TICKET"; on a priority ticket or a reprint, in its place, an inverted
// "ƯU TIÊN" box and an outlined "IN LẠI" box side by side), the service,
// the number as wide as the paper allows, then the QR code of the
// ticket's status link at the left, with what it is for under it, and
// beside it people ahead, the estimated wait (rounded up to minutes; "dưới
// 1 phút" under one), the issue date and time in the centre's zone and
// the token; last the footer. Without a status link or token (a ticket
// numbered offline) the figures are centred lines instead. Text is wrapped
// to the paper, never cut: a word wider than the paper is broken between
// letters.
//
// The layout is dense because paper costs a centre every day and a serial
// line carries every byte: an ordinary ticket takes at most 80 mm of paper
// on either roll and, as the driver sends it, at most 30 kB
// (BENCHMARKS.md, "Ticket size"). Largest renders a layout's largest
// ordinary ticket, for checking a serial rate against it.
//
// # Fonts
//
// The defaults are DejaVu Sans and DejaVu Sans Bold from Debian's
// fonts-dejavu-core (apt-get install fonts-dejavu-core), which have every
// precomposed Vietnamese letter. The renderer draws one glyph per letter and
// positions no combining marks, so texts are normalised to precomposed
// letters (NFC) first. NewRenderer checks every configured text and label
// against the fonts and refuses a letter that would print as a box
// (ErrNoGlyph): there are no Khmer glyphs in DejaVu, and Khmer would need a
// shaper besides, so a Khmer ticket gets Vietnamese labels.
//
// # QR code
//
// Error correction level M (a thermal print fades and scuffs), modules of a
// whole number of dots from 4 (0.5 mm) to 8 taking at most 36% of the
// paper, and a quiet zone of 4 modules, which lies in the paper's margin.
// A link too long for the code to sit beside the figures puts it under
// them, centred. The status link is "%s" in Layout.StatusURL
// replaced by the path-escaped token.
//
// # Wiring
//
//	r, err := ticket.NewRenderer(ticket.Layout{
//		PaperDots:   ticket.Paper58mm,
//		CentreName:  "Trung tâm Phục vụ hành chính công phường Ninh Kiều",
//		ServiceName: "Đăng ký kinh doanh", // in the label language
//		StatusURL:   "http://192.168.1.10:8080/t/%s",
//		Lang:        "vi",
//	})
//	if err != nil {
//		return fmt.Errorf("ticket.NewRenderer: %w", err) // says which font to install
//	}
//	img, err := r.Render(*reply.Ticket, false)
//	if err != nil {
//		return err
//	}
//	return printer.PrintImage(ctx, img) // pixels < 128 print
//
// A Renderer holds one service name and label language: a kiosk makes one
// per service and language at start. Parsed fonts are shared between
// Renderers by path, so that costs little. Render is safe for concurrent
// use.
package ticket
