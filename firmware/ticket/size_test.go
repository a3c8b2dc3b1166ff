package ticket

import (
	"fmt"
	"testing"

	"github.com/sothutu/sothutu/firmware/escpos"
	"github.com/sothutu/sothutu/protocol"
)

// sizeCases are the ticket kinds whose size on the wire and on paper
// BENCHMARKS.md reports: an ordinary ticket, a priority one, a reprint and
// one numbered offline (no token, so no QR code), in each label language.
func sizeCases() []struct {
	name    string
	layout  Layout
	ticket  protocol.Ticket
	reprint bool
} {
	type sizeCase = struct {
		name    string
		layout  Layout
		ticket  protocol.Ticket
		reprint bool
	}
	var cases []sizeCase
	services := map[string]string{"vi": "Đăng ký kinh doanh", "en": "Business registration"}
	for _, lang := range []string{"vi", "en"} {
		for _, paper := range []int{Paper58mm, Paper80mm} {
			l := Layout{PaperDots: paper, CentreName: longCentre, ServiceName: services[lang], StatusURL: statusURL, Lang: lang}
			ordinary := protocol.Ticket{Number: "A023", Service: "A", Lang: lang,
				Ahead: 17, WaitSeconds: 690, Issued: at(8, 15), Day: "2026-11-23", Token: "x7kp2qab3c"}
			priority := ordinary
			priority.Priority = protocol.PriorityElderly
			offline := ordinary
			offline.Number, offline.Token = "A901", ""
			mm := fmt.Sprintf("%dmm", map[int]int{Paper58mm: 58, Paper80mm: 80}[paper])
			cases = append(cases,
				sizeCase{lang + "/ordinary/" + mm, l, ordinary, false},
				sizeCase{lang + "/priority/" + mm, l, priority, false},
				sizeCase{lang + "/reprint/" + mm, l, ordinary, true},
				sizeCase{lang + "/offline/" + mm, l, offline, false},
			)
		}
	}
	return cases
}

// cutFeedMM is the paper GS V 66 24 feeds past the cutter after the image.
const cutFeedMM = 3

// BenchmarkTicketSize reports each ticket kind's ESC/POS bytes, its paper
// length (image and cut feed) and its transfer time at 9,600 and 115,200
// baud (10 bits a byte). Run it with -run '^$' -bench TicketSize.
func BenchmarkTicketSize(b *testing.B) {
	for _, c := range sizeCases() {
		b.Run(c.name, func(b *testing.B) {
			r := newRenderer(b, c.layout)
			var n, rows int
			for b.Loop() {
				img, err := r.Render(c.ticket, c.reprint)
				if err != nil {
					b.Fatal(err)
				}
				n, rows = escpos.JobBytes(img), img.Rect.Dy()
			}
			b.ReportMetric(float64(n), "bytes")
			b.ReportMetric(float64(rows)/8+cutFeedMM, "mm")
			b.ReportMetric(float64(n)*10/9600, "s@9600")
			b.ReportMetric(float64(n)*10/115200, "s@115200")
		})
	}
}
