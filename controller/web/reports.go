package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/sothutu/sothutu/controller/report"
)

// reportQuery reads ?period=day|week|month&day=2026-11-23&by=service|counter|staff.
func (s *Server) reportQuery(r *http.Request) (report.Query, error) {
	q := report.Query{Period: report.Day, By: report.ByService, Lang: lang(r)}
	v := r.URL.Query()
	if err := pick(&q.Period, "period", v.Get("period"), "use day, week or month", report.Day, report.Week, report.Month); err != nil {
		return q, err
	}
	if err := pick(&q.By, "by", v.Get("by"), "use service, counter or staff", report.ByService, report.ByCounter, report.ByStaff); err != nil {
		return q, err
	}
	loc := s.opts.Centre.Location
	q.Day = s.now().In(loc)
	if d := v.Get("day"); d != "" {
		t, err := time.ParseInLocation("2006-01-02", d, loc)
		if err != nil {
			return q, fmt.Errorf("day %q: write it as 2026-11-23", d)
		}
		q.Day = t.Add(12 * time.Hour)
	}
	return q, nil
}

// pick sets *into to value, one of allowed; an empty value leaves the
// default, and any other says which to use.
func pick[T ~string](into *T, field, value, use string, allowed ...T) error {
	switch {
	case value == "":
	case slices.Contains(allowed, T(value)):
		*into = T(value)
	default:
		return fmt.Errorf("%s %q: %s", field, value, use)
	}
	return nil
}

func (s *Server) build(w http.ResponseWriter, r *http.Request) (*report.Report, report.Query, bool) {
	q, err := s.reportQuery(r)
	if err != nil {
		s.badInput(w, r, err.Error())
		return nil, q, false
	}
	opts := report.Options{Centre: s.opts.Centre, StaffName: func(user string) string {
		if u, ok := s.opts.Centre.User(user); ok {
			return u.Display()
		}
		return user
	}}
	rep, err := report.Build(r.Context(), s.opts.Store, opts, q)
	if err != nil {
		s.log.Error("build report", "err", err)
		s.problem(w, r, http.StatusInternalServerError, "error.busy")
		return nil, q, false
	}
	return rep, q, true
}

func (s *Server) reports(w http.ResponseWriter, r *http.Request, ss *session) {
	rep, q, ok := s.build(w, r)
	if !ok {
		return
	}
	l := lang(r)
	query := url.Values{"period": {string(q.Period)}, "day": {q.Day.Format("2006-01-02")}, "by": {string(q.By)}}.Encode()
	s.render(w, r, http.StatusOK, "reports", ss, map[string]any{
		"Report": rep, "Query": q, "Day": q.Day.Format("2006-01-02"), "Export": query,
		"Chart": template.HTML(rep.SVG(l)), "Table": rep.Cells(l),
		"From": rep.From.Format("2006-01-02"), "To": rep.To.Add(-time.Hour).Format("2006-01-02"),
	})
}

func (s *Server) exportCSV(w http.ResponseWriter, r *http.Request, _ *session) {
	rep, q, ok := s.build(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+fileName(q, "csv")+`"`)
	if err := rep.CSV(w, lang(r)); err != nil {
		s.log.Error("export CSV", "err", err)
	}
}

func (s *Server) exportXLSX(w http.ResponseWriter, r *http.Request, _ *session) {
	rep, q, ok := s.build(w, r)
	if !ok {
		return
	}
	var b bytes.Buffer
	if err := rep.XLSX(&b, lang(r)); err != nil {
		s.log.Error("export XLSX", "err", err)
		s.problem(w, r, http.StatusInternalServerError, "error.busy")
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+fileName(q, "xlsx")+`"`)
	w.Write(b.Bytes())
}

func fileName(q report.Query, ext string) string {
	return fmt.Sprintf("bao-cao-%s-%s-%s.%s", q.Period, q.By, q.Day.Format("2006-01-02"), ext)
}
