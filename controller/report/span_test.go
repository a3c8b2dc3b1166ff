package report_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/sothutu/sothutu/controller/report"
	"github.com/sothutu/sothutu/protocol"
)

// nearestRank is the q-quantile (percent) of ds by nearest rank, in seconds.
func nearestRank(ds []time.Duration, pct int) int {
	s := slices.Clone(ds)
	slices.Sort(s)
	k := (pct*len(s) + 99) / 100
	return int(s[k-1] / time.Second)
}

// A span report: over a whole day it is the day's report; its quantiles
// are those of the waits and service times the script measured; two
// halves of the day add up to the day.
func TestSpan(t *testing.T) {
	s := randomDay(t, 3, 300)
	ctx := context.Background()
	opts := report.Options{Centre: s.c}
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, hcm)
	whole := build(t, s, report.Day, day.Add(12*time.Hour), report.ByService)
	span, err := report.Span(ctx, s.st, opts, day, day.AddDate(0, 0, 1), report.ByService)
	if err != nil {
		t.Fatal(err)
	}
	noon := day.Add(12 * time.Hour)
	morning, err := report.Span(ctx, s.st, opts, day, noon, report.ByService)
	if err != nil {
		t.Fatal(err)
	}
	afternoon, err := report.Span(ctx, s.st, opts, noon, day.AddDate(0, 0, 1), report.ByService)
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range span.Rows {
		w := whole.Rows[i]
		if row.Key != w.Key || row.Issued != w.Issued || row.Served != w.Served || row.MeanWait != w.MeanWait || row.P90Wait != w.P90Wait {
			t.Errorf("%s: span %+v, day %+v", row.Key, row, w)
		}
		f := s.l.fig(report.ByService, row.Key, "2026-11-23")
		if len(f.waits) > 0 {
			want := protocol.Quantiles{N: len(f.waits), P50: nearestRank(f.waits, 50), P90: nearestRank(f.waits, 90),
				P95: nearestRank(f.waits, 95), Max: nearestRank(f.waits, 100)}
			if row.WaitQuantiles != want {
				t.Errorf("%s: wait quantiles %+v, the script measured %+v", row.Key, row.WaitQuantiles, want)
			}
		}
		if target := s.c.Services[i].TargetWait; row.Key == s.c.Services[i].ID {
			within := 0
			for _, w := range f.waits {
				if w <= target {
					within++
				}
			}
			if row.WithinTarget != within {
				t.Errorf("%s: %d waits within target, the script measured %d", row.Key, row.WithinTarget, within)
			}
		}
		if len(f.service) > 0 {
			want := protocol.Quantiles{N: len(f.service), P50: nearestRank(f.service, 50), P90: nearestRank(f.service, 90),
				P95: nearestRank(f.service, 95), Max: nearestRank(f.service, 100)}
			if row.ServiceQuantiles != want {
				t.Errorf("%s: service quantiles %+v, the script measured %+v", row.Key, row.ServiceQuantiles, want)
			}
		}
		m, a := morning.Rows[i], afternoon.Rows[i]
		if m.Issued+a.Issued != w.Issued || m.Served+a.Served != w.Served || m.NoShows+a.NoShows != w.NoShows ||
			m.Transferred+a.Transferred != w.Transferred {
			t.Errorf("%s: halves %+v and %+v do not add up to the day %+v", row.Key, m, a, w)
		}
	}
	if len(span.Days) != 1 || len(morning.Days) != 1 {
		t.Errorf("days: whole %d, morning %d", len(span.Days), len(morning.Days))
	}
	if _, err := report.Span(ctx, s.st, opts, noon, noon, report.ByService); err == nil {
		t.Error("an empty span gave no error")
	}
}
