package report

import (
	"encoding/xml"
	"fmt"
	"strings"
)

// Chart geometry, in viewBox units. The box is 400 wide so that 13-unit
// text stays readable on a 360 px phone and scales up to 800 px.
const (
	chartW     = 400
	chartPad   = 10
	chartTop   = 60 // title and legend
	chartRowH  = 58
	chartBarH  = 14
	chartFont  = 14
	chartSmall = 12
	chartText  = 124 // room right of the wait line for "189.2 / 199.0 phút"
)

// SVG returns a chart of the report as a self-contained inline SVG: per
// row, a bar of the tickets served and a line of the waits with the mean
// (a dot) and the 90th percentile (a tick) marked, labels in lang. It
// scales to its container through its viewBox.
func (r *Report) SVG(lang string) string {
	var b strings.Builder
	h := chartTop + chartRowH*max(len(r.Rows), 1) + chartPad
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s" font-family="sans-serif" font-size="%d">`,
		chartW, h, esc(label(lang, chartTitle)), chartFont)
	fmt.Fprintf(&b, `<title>%s</title>`, esc(label(lang, chartTitle)))
	fmt.Fprintf(&b, `<text x="%d" y="18" font-weight="bold">%s</text>`, chartPad, esc(label(lang, chartTitle)))
	// Legend.
	fmt.Fprintf(&b, `<rect x="%d" y="30" width="12" height="10" fill="#2b6cb0"/><text x="%d" y="40" font-size="%d">%s</text>`,
		chartPad, chartPad+16, chartSmall, esc(label(lang, chartServed)))
	fmt.Fprintf(&b, `<circle cx="%d" cy="35" r="4" fill="#c05621"/><text x="%d" y="40" font-size="%d">%s</text>`,
		chartPad+126, chartPad+134, chartSmall, esc(label(lang, chartMeanWait)))
	fmt.Fprintf(&b, `<rect x="%d" y="29" width="3" height="12" fill="#9b2c2c"/><text x="%d" y="40" font-size="%d">%s</text>`,
		chartPad+246, chartPad+254, chartSmall, esc(label(lang, chartP90Wait)))
	if len(r.Rows) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text></svg>`, chartPad, chartTop+20, esc(label(lang, chartEmpty)))
		return b.String()
	}
	maxServed, maxWait := 1, 0.0
	for _, row := range r.Rows {
		maxServed = max(maxServed, row.Served)
		maxWait = max(maxWait, row.P90Wait.Minutes())
	}
	if maxWait == 0 {
		maxWait = 1
	}
	span := float64(chartW - 2*chartPad - 40) // room for the figure after a bar
	waitSpan := float64(chartW - 2*chartPad - chartText)
	for i, row := range r.Rows {
		y := chartTop + i*chartRowH
		name := r.RowName(row.Key, lang)
		fmt.Fprintf(&b, `<g><title>%s</title>`, esc(fmt.Sprintf("%s: %d %s; %s %.1f, %s %.1f %s", name, row.Served,
			label(lang, chartServed), label(lang, chartMeanWait), minutes(row.MeanWait), label(lang, chartP90Wait),
			minutes(row.P90Wait), label(lang, chartMinutes))))
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`, chartPad, y+13, esc(clip(name, 44)))
		w := span * float64(row.Served) / float64(maxServed)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="#2b6cb0"/>`, chartPad, y+19, w, chartBarH)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="%d">%d</text>`, float64(chartPad)+w+4, y+31, chartSmall, row.Served)
		ly := y + 46
		if row.Waits == 0 {
			b.WriteString(`</g>`)
			continue
		}
		p90 := float64(chartPad) + waitSpan*row.P90Wait.Minutes()/maxWait
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%.1f" y2="%d" stroke="#a0aec0" stroke-width="2"/>`, chartPad, ly, p90, ly)
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%d" r="4" fill="#c05621"/>`, float64(chartPad)+waitSpan*row.MeanWait.Minutes()/maxWait, ly)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="3" height="12" fill="#9b2c2c"/>`, p90-1.5, ly-6)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="%d">%.1f / %.1f %s</text></g>`, p90+5, ly+4, chartSmall,
			minutes(row.MeanWait), minutes(row.P90Wait), esc(label(lang, chartMinutes)))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// esc escapes s for XML text and attribute values.
func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s)) // writes to a Builder cannot fail
	return b.String()
}

// clip shortens s to n characters.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
