package report_test

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/sothutu/sothutu/controller/report"
)

func TestRange(t *testing.T) {
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, hcm) }
	tests := []struct {
		name     string
		p        report.Period
		day      time.Time
		from, to time.Time
	}{
		{"day", report.Day, at(2026, 11, 23, 12, 0), at(2026, 11, 23, 0, 0), at(2026, 11, 24, 0, 0)},
		{"day at UTC midnight is 07:00 local", report.Day, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
			at(2026, 11, 23, 0, 0), at(2026, 11, 24, 0, 0)},
		{"day just before UTC midnight", report.Day, time.Date(2026, 11, 22, 23, 59, 0, 0, time.UTC),
			at(2026, 11, 23, 0, 0), at(2026, 11, 24, 0, 0)},
		{"day, local midnight", report.Day, at(2026, 11, 24, 0, 0), at(2026, 11, 24, 0, 0), at(2026, 11, 25, 0, 0)},
		{"day, a second before local midnight", report.Day, at(2026, 11, 23, 23, 59).Add(59 * time.Second),
			at(2026, 11, 23, 0, 0), at(2026, 11, 24, 0, 0)},
		{"week from Monday", report.Week, at(2026, 11, 23, 8, 0), at(2026, 11, 23, 0, 0), at(2026, 11, 30, 0, 0)},
		{"week from Sunday", report.Week, at(2026, 11, 29, 23, 0), at(2026, 11, 23, 0, 0), at(2026, 11, 30, 0, 0)},
		{"week across a month end", report.Week, at(2026, 12, 2, 10, 0), at(2026, 11, 30, 0, 0), at(2026, 12, 7, 0, 0)},
		{"week across a year end", report.Week, at(2027, 1, 1, 10, 0), at(2026, 12, 28, 0, 0), at(2027, 1, 4, 0, 0)},
		{"month", report.Month, at(2026, 11, 23, 8, 0), at(2026, 11, 1, 0, 0), at(2026, 12, 1, 0, 0)},
		{"month, first day at 06:30 local (the day before in UTC)", report.Month, at(2026, 12, 1, 6, 30),
			at(2026, 12, 1, 0, 0), at(2027, 1, 1, 0, 0)},
		{"February", report.Month, at(2028, 2, 29, 12, 0), at(2028, 2, 1, 0, 0), at(2028, 3, 1, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, to := report.Range(tt.p, tt.day, hcm)
			if !from.Equal(tt.from) || !to.Equal(tt.to) {
				t.Errorf("Range(%s, %v) = [%v, %v), want [%v, %v)", tt.p, tt.day, from, to, tt.from, tt.to)
			}
			if from.Location() != hcm || from.Hour() != 0 || to.Hour() != 0 {
				t.Errorf("bounds %v, %v are not local midnights", from, to)
			}
		})
	}
}

func TestBuildRefusesBadQueries(t *testing.T) {
	st := openStore(t)
	c := exampleCentre(t)
	day := time.Date(2026, 11, 23, 12, 0, 0, 0, hcm)
	for _, tt := range []struct {
		q    report.Query
		want error
	}{
		{report.Query{Period: "year", Day: day, By: report.ByService}, report.ErrPeriod},
		{report.Query{Period: report.Day, Day: day, By: "kiosk"}, report.ErrBy},
		{report.Query{Period: report.Day, By: report.ByService}, report.ErrDay},
	} {
		if _, err := report.Build(t.Context(), st, report.Options{Centre: c}, tt.q); !errors.Is(err, tt.want) {
			t.Errorf("Build(%+v) = %v, want %v", tt.q, err, tt.want)
		}
	}
	r, err := report.Build(t.Context(), st, report.Options{Centre: c}, report.Query{Period: report.Month, Day: day, By: report.ByStaff})
	if err != nil || len(r.Rows) != 0 || len(r.Days) != 30 || r.Total.Served != 0 {
		t.Errorf("empty month: %+v, %v", r, err)
	}
}

var headers = map[string][]string{
	"vi": {"Mã", "Lĩnh vực", "Số phiếu cấp", "Đã phục vụ", "Vắng mặt", "Chuyển", "Chờ TB (phút)", "Chờ P90 (phút)",
		"Phục vụ TB (phút)", "Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng", "Điểm hài lòng (%)"},
	"en": {"Code", "Service", "Issued", "Served", "No-shows", "Transferred", "Mean wait (min)", "90th pct wait (min)",
		"Mean service (min)", "Very satisfied", "Satisfied", "Neutral", "Dissatisfied", "Satisfaction (%)"},
}

// wantTable is the scripted day per service, as exported: service A, the
// quiet service F and the total.
var wantTable = map[string][][]string{
	"vi": {
		{"A", "Đất đai", "3", "2", "1", "1", "36.3", "58.0", "9.8", "1", "0", "0", "0", "100.0"},
		{"F", "Bảo hiểm xã hội", "1", "0", "0", "0", "", "", "", "0", "0", "0", "0", ""},
		{"", "Tổng cộng", "10", "8", "1", "2", "33.0", "63.0", "7.3", "2", "1", "1", "1", "60.0"},
	},
	"en": {
		{"A", "Land", "3", "2", "1", "1", "36.3", "58.0", "9.8", "1", "0", "0", "0", "100.0"},
		{"F", "Social insurance", "1", "0", "0", "0", "", "", "", "0", "0", "0", "0", ""},
		{"", "Total", "10", "8", "1", "2", "33.0", "63.0", "7.3", "2", "1", "1", "1", "60.0"},
	},
}

// Service A: waits 31, 41, 58 and 15 min; served in 9 and 10.5 min. The
// day: mean service (9 + 7.5 + 5.5 + 10.5 + 10 + 5 + 10 + 0.5) / 8 = 7.25.

func pick(rows [][]string, keys ...string) [][]string {
	var out [][]string
	for _, k := range keys {
		for _, r := range rows {
			if len(r) > 1 && (r[0] == k && k != "" || k == "" && r[0] == "" && r[1] != "") {
				out = append(out, r)
			}
		}
	}
	return out
}

func TestCSV(t *testing.T) {
	s := scriptedDay(t)
	r := build(t, s, report.Day, time.Date(2026, 11, 23, 12, 0, 0, 0, hcm), report.ByService)
	for _, lang := range []string{"vi", "en"} {
		t.Run(lang, func(t *testing.T) {
			var buf bytes.Buffer
			if err := r.CSV(&buf, lang); err != nil {
				t.Fatal(err)
			}
			data, ok := bytes.CutPrefix(buf.Bytes(), []byte("\xEF\xBB\xBF"))
			if !ok {
				t.Fatal("no UTF-8 byte order mark")
			}
			rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(rows[0], "|"); got != strings.Join(headers[lang], "|") {
				t.Errorf("header %s\nwant   %s", got, strings.Join(headers[lang], "|"))
			}
			if len(rows) != 1+6+1 {
				t.Errorf("%d lines, want header, 6 services, total", len(rows))
			}
			got := pick(rows[1:], "A", "F", "")
			for i, want := range wantTable[lang] {
				if i >= len(got) || strings.Join(got[i], "|") != strings.Join(want, "|") {
					t.Errorf("row %v, want %v", got, want)
					break
				}
			}
		})
	}
}

func TestCSVStaffLeavesIssuedEmpty(t *testing.T) {
	s := scriptedDay(t)
	r := build(t, s, report.Day, time.Date(2026, 11, 23, 12, 0, 0, 0, hcm), report.ByStaff)
	var buf bytes.Buffer
	if err := r.CSV(&buf, "en"); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\xEF\xBB\xBF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if rows[0][1] != "Staff" {
		t.Errorf("header %v", rows[0])
	}
	for _, row := range rows[1 : len(rows)-1] {
		if row[2] != "" {
			t.Errorf("staff row %v has issued tickets", row)
		}
	}
	if last := rows[len(rows)-2]; last[0] != "" || last[1] != "(unknown)" {
		t.Errorf("last staff row %v, want the unattributed", last)
	}
	if total := rows[len(rows)-1]; total[1] != "Total" || total[2] != "10" {
		t.Errorf("total %v", total)
	}
}

func TestXLSX(t *testing.T) {
	s := scriptedDay(t)
	r := build(t, s, report.Week, time.Date(2026, 11, 23, 12, 0, 0, 0, hcm), report.ByService)
	for _, lang := range []string{"vi", "en"} {
		t.Run(lang, func(t *testing.T) {
			var buf bytes.Buffer
			if err := r.XLSX(&buf, lang); err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sheets := f.GetSheetList()
			want := map[string][]string{"vi": {"Báo cáo", "Theo ngày"}, "en": {"Report", "By day"}}[lang]
			if strings.Join(sheets, "|") != strings.Join(want, "|") {
				t.Fatalf("sheets %v, want %v", sheets, want)
			}
			rows, err := f.GetRows(sheets[0])
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(rows[0], "|") != strings.Join(headers[lang], "|") {
				t.Errorf("header %v", rows[0])
			}
			// The week holds the scripted day and B001, C001 of the next.
			a := pick(rows[1:], "A")
			if len(a) != 1 || a[0][1] != wantTable[lang][0][1] || a[0][3] != "2" {
				t.Errorf("row A %v", a)
			}
			// Numbers are numbers, minutes to one decimal.
			for _, c := range []struct {
				cell string
				want excelize.CellType
			}{{"C2", excelize.CellTypeNumber}, {"G2", excelize.CellTypeNumber}, {"B2", excelize.CellTypeSharedString}} {
				typ, err := f.GetCellType(sheets[0], c.cell)
				// A number cell has no type attribute: unset means number.
				if c.want == excelize.CellTypeNumber && typ == excelize.CellTypeUnset {
					typ = excelize.CellTypeNumber
				}
				if err != nil || typ != c.want {
					t.Errorf("cell %s type %v, %v, want %v", c.cell, typ, err, c.want)
				}
			}
			raw, err := f.GetCellValue(sheets[0], "G2", excelize.Options{RawCellValue: true})
			if err != nil || raw != "36.3" {
				t.Errorf("mean wait of A raw %q, %v, want 36.3", raw, err)
			}
			total := rows[len(rows)-1]
			if total[1] != map[string]string{"vi": "Tổng cộng", "en": "Total"}[lang] || total[2] != "12" || total[3] != "9" {
				t.Errorf("total %v, want 12 issued, 9 served over the week", total)
			}
			days, err := f.GetRows(sheets[1])
			if err != nil {
				t.Fatal(err)
			}
			if len(days) != 8 || days[1][0] != "2026-11-23" || days[1][1] != "10" || days[2][0] != "2026-11-24" || days[2][1] != "2" {
				t.Errorf("days %v", days)
			}
			if days[0][0] != map[string]string{"vi": "Ngày", "en": "Day"}[lang] {
				t.Errorf("days header %v", days[0])
			}
		})
	}
}

func TestSVG(t *testing.T) {
	c := exampleCentre(t)
	c.Services[0].Name.VI, c.Services[0].Name.EN = `<A & B> "Đất"`, `<A & B> 'land'`
	s := newScript(t, c, time.Date(2026, 11, 23, 8, 0, 0, 0, hcm))
	s.at(s.now)
	s.issue("kiosk-1", "A", "")
	s.at(s.now.Add(10 * time.Minute))
	s.callNext(keypad("1"))
	s.at(s.now.Add(10 * time.Minute))
	s.complete(keypad("1"))
	s.commit()
	for _, by := range allBy {
		r := build(t, s, report.Day, s.now, by)
		for _, lang := range []string{"vi", "en"} {
			svg := r.SVG(lang)
			if strings.Contains(svg, "<script") || strings.Contains(svg, "href") {
				t.Errorf("%s %s: svg refers outside itself", by, lang)
			}
			if !strings.Contains(svg, `viewBox="0 0 `) {
				t.Errorf("%s %s: no viewBox", by, lang)
			}
			texts := xmlTexts(t, svg)
			if by == report.ByService {
				want := map[string]string{"vi": `<A & B> "Đất"`, "en": `<A & B> 'land'`}[lang]
				if !strings.Contains(texts, want) {
					t.Errorf("%s: name %q not in the chart's text %q", lang, want, texts)
				}
				if !strings.Contains(texts, map[string]string{"vi": "Đã phục vụ", "en": "Served"}[lang]) {
					t.Errorf("%s: title missing from %q", lang, texts)
				}
			}
		}
	}
	empty, err := report.Build(t.Context(), s.st, report.Options{}, report.Query{Period: report.Day, Day: s.now.AddDate(0, 0, 3), By: report.ByStaff})
	if err != nil {
		t.Fatal(err)
	}
	if texts := xmlTexts(t, empty.SVG("en")); !strings.Contains(texts, "No data") {
		t.Errorf("empty chart says %q", texts)
	}
}

// xmlTexts decodes svg, failing on malformed XML, and returns its text.
func xmlTexts(t *testing.T, svg string) string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	var b strings.Builder
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("malformed SVG: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if depth == 0 && (tok.Name.Local != "svg" || tok.Name.Space != "http://www.w3.org/2000/svg") {
				t.Errorf("root %v", tok.Name)
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			b.Write(tok)
			b.WriteByte('\n')
		}
	}
	if depth != 0 {
		t.Errorf("unbalanced SVG")
	}
	return b.String()
}
