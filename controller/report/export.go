package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/sothutu/sothutu/protocol"
)

// col names a label of the exports.
type col int

const (
	colCode col = iota
	colService
	colCounter
	colStaff
	colDay
	colIssued
	colServed
	colNoShows
	colTransferred
	colMeanWait
	colP90Wait
	colMeanService
	colVerySatisfied
	colSatisfied
	colNeutral
	colDissatisfied
	colScore
	colTotal
	colUnknown
	sheetRows
	sheetDays
	chartTitle
	chartServed
	chartMeanWait
	chartP90Wait
	chartMinutes
	chartEmpty
)

// labels are the exports' words: Vietnamese, English.
var labels = map[col][2]string{
	colCode:          {"Mã", "Code"},
	colService:       {"Lĩnh vực", "Service"},
	colCounter:       {"Quầy", "Counter"},
	colStaff:         {"Cán bộ", "Staff"},
	colDay:           {"Ngày", "Day"},
	colIssued:        {"Số phiếu cấp", "Issued"},
	colServed:        {"Đã phục vụ", "Served"},
	colNoShows:       {"Vắng mặt", "No-shows"},
	colTransferred:   {"Chuyển", "Transferred"},
	colMeanWait:      {"Chờ TB (phút)", "Mean wait (min)"},
	colP90Wait:       {"Chờ P90 (phút)", "90th pct wait (min)"},
	colMeanService:   {"Phục vụ TB (phút)", "Mean service (min)"},
	colVerySatisfied: {"Rất hài lòng", "Very satisfied"},
	colSatisfied:     {"Hài lòng", "Satisfied"},
	colNeutral:       {"Bình thường", "Neutral"},
	colDissatisfied:  {"Không hài lòng", "Dissatisfied"},
	colScore:         {"Điểm hài lòng (%)", "Satisfaction (%)"},
	colTotal:         {"Tổng cộng", "Total"},
	colUnknown:       {"(không rõ)", "(unknown)"},
	sheetRows:        {"Báo cáo", "Report"},
	sheetDays:        {"Theo ngày", "By day"},
	chartTitle:       {"Đã phục vụ và thời gian chờ", "Served and waiting times"},
	chartServed:      {"đã phục vụ", "served"},
	chartMeanWait:    {"chờ TB", "mean wait"},
	chartP90Wait:     {"chờ P90", "90th pct wait"},
	chartMinutes:     {"phút", "min"},
	chartEmpty:       {"Không có số liệu", "No data"},
}

// label returns the label c in lang: English for "en", Vietnamese otherwise.
func label(lang string, c col) string {
	if lang == "en" {
		return labels[c][1]
	}
	return labels[c][0]
}

var byCol = map[By]col{ByService: colService, ByCounter: colCounter, ByStaff: colStaff}

// RowName is the name of the row keyed key in lang: the configured name of
// a service or counter, a staff member's display name.
func (r *Report) RowName(key, lang string) string {
	c := r.opts.Centre
	switch r.By {
	case ByService:
		if c != nil {
			if s, ok := c.Service(key); ok && s.Name.VI != "" {
				return s.Name.In(lang)
			}
		}
	case ByCounter:
		if c != nil {
			if k, ok := c.Counter(key); ok && k.Name.VI != "" {
				return k.Name.In(lang)
			}
		}
	case ByStaff:
		if key == "" {
			return label(lang, colUnknown)
		}
		if r.opts.StaffName != nil {
			if n := r.opts.StaffName(key); n != "" {
				return n
			}
		}
	}
	return key
}

// minutes rounds d to a tenth of a minute.
func minutes(d time.Duration) float64 { return math.Round(d.Minutes()*10) / 10 }

// metricCols are the figures' columns, after the row's names.
var metricCols = []col{colIssued, colServed, colNoShows, colTransferred, colMeanWait, colP90Wait,
	colMeanService, colVerySatisfied, colSatisfied, colNeutral, colDissatisfied, colScore}

// metrics are a row's figures in metricCols' order: int, float64 (minutes,
// percent, one decimal) or nil for a figure that does not apply or was not
// measured.
func (r *Report) metrics(row *Row, issued bool) []any {
	v := make([]any, 0, len(metricCols))
	if issued {
		v = append(v, row.Issued)
	} else {
		v = append(v, nil)
	}
	v = append(v, row.Served, row.NoShows, row.Transferred)
	if row.Waits > 0 {
		v = append(v, minutes(row.MeanWait), minutes(row.P90Wait))
	} else {
		v = append(v, nil, nil)
	}
	if row.Served > 0 {
		v = append(v, minutes(row.MeanService))
	} else {
		v = append(v, nil)
	}
	for _, rt := range protocol.Ratings {
		v = append(v, row.Ratings[rt])
	}
	if row.Rated() > 0 {
		v = append(v, math.Round(row.Score*10)/10)
	} else {
		v = append(v, nil)
	}
	return v
}

// table is the report's first sheet: header, rows, total.
func (r *Report) table(lang string) [][]any {
	head := []any{label(lang, colCode), label(lang, byCol[r.By])}
	for _, c := range metricCols {
		head = append(head, label(lang, c))
	}
	t := [][]any{head}
	for i := range r.Rows {
		row := &r.Rows[i]
		t = append(t, append([]any{row.Key, r.RowName(row.Key, lang)}, r.metrics(row, r.By == ByService)...))
	}
	return append(t, append([]any{"", label(lang, colTotal)}, r.metrics(&r.Total, true)...))
}

// dayTable is the second sheet: one row per local day.
func (r *Report) dayTable(lang string) [][]any {
	head := []any{label(lang, colDay)}
	for _, c := range metricCols {
		head = append(head, label(lang, c))
	}
	t := [][]any{head}
	for i := range r.Days {
		t = append(t, append([]any{r.Days[i].Key}, r.metrics(&r.Days[i], true)...))
	}
	return t
}

func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return fmt.Sprint(v)
}

// Cells are the rows and their total as text, with a header in lang: the
// cells of the CSV export.
func (r *Report) Cells(lang string) [][]string {
	var out [][]string
	for _, row := range r.table(lang) {
		rec := make([]string, len(row))
		for i, v := range row {
			rec[i] = text(v)
		}
		out = append(out, rec)
	}
	return out
}

// CSV writes the rows and their total as CSV in UTF-8 with a byte order
// mark, which Excel needs to read Vietnamese, with a header in lang.
func (r *Report) CSV(w io.Writer, lang string) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return fmt.Errorf("report.CSV: %w", err)
	}
	cw := csv.NewWriter(w)
	if err := cw.WriteAll(r.Cells(lang)); err != nil {
		return fmt.Errorf("report.CSV: %w", err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report.CSV: %w", err)
	}
	return nil
}

// XLSX writes an Excel workbook: a sheet of the rows and their total, a
// sheet of the days. Figures are numbers, minutes with one decimal.
func (r *Report) XLSX(w io.Writer, lang string) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("report.XLSX: %w", cerr)
		}
	}()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("report.XLSX: NewStyle: %w", err)
	}
	oneDecimal := "0.0"
	tenths, err := f.NewStyle(&excelize.Style{CustomNumFmt: &oneDecimal})
	if err != nil {
		return fmt.Errorf("report.XLSX: NewStyle: %w", err)
	}
	first := label(lang, sheetRows)
	if err := f.SetSheetName("Sheet1", first); err != nil {
		return fmt.Errorf("report.XLSX: SetSheetName: %w", err)
	}
	second := label(lang, sheetDays)
	if _, err := f.NewSheet(second); err != nil {
		return fmt.Errorf("report.XLSX: NewSheet: %w", err)
	}
	for _, s := range []struct {
		name  string
		table [][]any
	}{{first, r.table(lang)}, {second, r.dayTable(lang)}} {
		for y, row := range s.table {
			for x, v := range row {
				if v == nil {
					continue
				}
				cell, err := excelize.CoordinatesToCellName(x+1, y+1)
				if err != nil {
					return fmt.Errorf("report.XLSX: %w", err)
				}
				if err := f.SetCellValue(s.name, cell, v); err != nil {
					return fmt.Errorf("report.XLSX: SetCellValue %s: %w", cell, err)
				}
				style := 0
				switch {
				case y == 0:
					style = bold
				case isFloat(v):
					style = tenths
				}
				if style != 0 {
					if err := f.SetCellStyle(s.name, cell, cell, style); err != nil {
						return fmt.Errorf("report.XLSX: SetCellStyle %s: %w", cell, err)
					}
				}
			}
		}
		last, _ := excelize.ColumnNumberToName(len(s.table[0]))
		if err := f.SetColWidth(s.name, "A", last, 14); err != nil {
			return fmt.Errorf("report.XLSX: SetColWidth: %w", err)
		}
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("report.XLSX: write: %w", err)
	}
	return nil
}

func isFloat(v any) bool { _, ok := v.(float64); return ok }
