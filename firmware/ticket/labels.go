package ticket

import (
	"fmt"
	"time"
)

// labels are a ticket's fixed texts in one language. A no-break space
// (U+00A0) keeps a figure with its unit, or its label, when a line wraps.
type labels struct {
	title       string // above the service name
	priority    string // inverted box
	reprint     string // outlined box
	ahead       string // %d: people ahead
	aheadLabel  string // beside the QR code, above the figure
	wait        string // %s: minutes or underMinute
	waitLabel   string // beside the QR code, above the figure
	minutes     string // %d
	underMinute string
	scan        string // above the QR code
	footer      string // default Layout.Footer
}

var labelsByLang = map[string]labels{
	"vi": {
		title:       "PHIẾU SỐ THỨ TỰ",
		priority:    "ƯU TIÊN",
		reprint:     "IN LẠI",
		ahead:       "Số người đang chờ:\u00a0%d",
		aheadLabel:  "Số người đang chờ",
		wait:        "Thời gian chờ dự kiến: %s",
		waitLabel:   "Thời gian chờ dự kiến",
		minutes:     "%d\u00a0phút",
		underMinute: "dưới\u00a01\u00a0phút",
		scan:        "Quét mã để theo dõi lượt của bạn",
		footer:      "Xin cảm ơn quý khách",
	},
	"en": {
		title:       "QUEUE TICKET",
		priority:    "PRIORITY",
		reprint:     "REPRINT",
		ahead:       "People ahead:\u00a0%d",
		aheadLabel:  "People ahead",
		wait:        "Estimated wait: %s",
		waitLabel:   "Estimated wait",
		minutes:     "%d\u00a0min",
		underMinute: "under\u00a01\u00a0min",
		scan:        "Scan to follow your turn",
		footer:      "Thank you",
	},
}

// all returns every text, for the glyph check.
func (lb labels) all() []string {
	return []string{lb.title, lb.priority, lb.reprint, lb.ahead, lb.aheadLabel, lb.wait, lb.waitLabel,
		lb.minutes, lb.underMinute, lb.scan, lb.footer}
}

// lang picks the label language: the layout's, else the ticket's, else
// Vietnamese (the labels have no Khmer, and the font has no Khmer glyphs).
func (r *Renderer) labels(ticketLang string) labels {
	for _, lang := range []string{r.l.Lang, ticketLang} {
		if lb, ok := labelsByLang[lang]; ok {
			return lb
		}
	}
	return labelsByLang["vi"]
}

// waitText is the estimated wait, rounded up to whole minutes; under a
// minute (zero included) reads "under\u00a01\u00a0min" rather than "0 min".
func (lb labels) waitText(seconds int) string {
	return fmt.Sprintf(lb.wait, lb.waitValue(seconds))
}

// waitValue is the figure of waitText alone.
func (lb labels) waitValue(seconds int) string {
	if seconds < 60 {
		return lb.underMinute
	}
	return fmt.Sprintf(lb.minutes, (seconds+59)/60)
}

// issuedText is the issue date and time in loc, "23/11/2026 08:15".
func issuedText(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("02/01/2006 15:04")
}
