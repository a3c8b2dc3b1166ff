package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// The reports page and its exports answer for every period and breakdown,
// and name a wrong parameter.
func TestReportPages(t *testing.T) {
	s := start(t)
	m := s.signIn(t, "quanly")
	issue(t, s, "A")
	for _, period := range []string{"day", "week", "month"} {
		for _, by := range []string{"service", "counter", "staff"} {
			q := "?period=" + period + "&by=" + by
			status, body := m.Get("/reports" + q)
			if status != http.StatusOK || !strings.Contains(body, `id="report"`) || !strings.Contains(body, "<svg") {
				t.Errorf("/reports%s: %d\n%s", q, status, body)
			}
			for _, path := range []string{"/reports/export.csv", "/reports/export.xlsx"} {
				if status, _ := m.Get(path + q); status != http.StatusOK {
					t.Errorf("%s%s: %d", path, q, status)
				}
			}
		}
	}
	for q, want := range map[string]string{"?period=year": "period", "?by=desk": "by", "?day=23/11/2026": "day"} {
		status, body := m.Get("/reports" + q)
		if status != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Errorf("/reports%s: %d %s", q, status, body)
		}
	}
}
