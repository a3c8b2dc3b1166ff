package city

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sothutu/sothutu/protocol"
)

// DownAfter is how many intervals without a new record make a centre's
// uplink look down.
const DownAfter = 3

// CentreSummary is one centre in the city view: its latest interval and
// its day so far.
type CentreSummary struct {
	Centre string
	// LastSeq is the highest record number stored; LastReceived when the
	// newest stored record arrived.
	LastSeq      int64
	LastReceived time.Time
	// Latest interval record: its span (the zero time when the centre has
	// sent none yet) and the local day it belongs to, "today".
	LatestSeq          int64
	Day                string
	LatestFrom, LastTo time.Time
	// Waiting is how many people waited at LastTo, summed over the
	// services that could tell; -1 when none could.
	Waiting      int
	CountersOpen int
	Devices      protocol.DeviceFigures
	// Today, over the interval records of Day (the day aggregate).
	Issued, Served, NoShows int
	Waits                   Waits
	// Rated counts today's satisfaction ratings; Satisfied is the share
	// of them very satisfied or satisfied, 0 to 1 (0 when Rated is 0).
	Rated     int
	Satisfied float64
}

// Interval is the span of the centre's latest interval record.
func (c CentreSummary) Interval() time.Duration { return c.LastTo.Sub(c.LatestFrom) }

// Down reports whether the centre's uplink looks down at now: no interval
// record ending in the last DownAfter intervals.
func (c CentreSummary) Down(now time.Time) bool {
	if c.LastTo.IsZero() {
		return true
	}
	return now.Sub(c.LastTo) > DownAfter*c.Interval()
}

// DayFigures are a centre's figures of one local day: from the day
// aggregate of its interval records, so that the trend and the city
// view's "today" count alike, or, for a day without interval records,
// from the latest day record of the day.
type DayFigures struct {
	Day string
	// Seq is the highest seq of the day's interval records, or the seq
	// of the day record read.
	Seq                                  int64
	Issued, Served, NoShows, Transferred int
	Waits                                Waits
	Rated                                int
	Satisfied                            float64
}

// daySelect is the columns of the day aggregate, prefixed d., for
// dayCounts.dest; 0 where the centre has no row for the day.
var daySelect = func() string {
	cols := make([]string, len(dayColumns))
	for i, c := range dayColumns {
		cols[i] = "COALESCE(d." + c + ", 0)"
	}
	return strings.Join(cols, ", ")
}()

// Centres sums up every centre that has sent a record, by id: one row a
// centre, its latest interval from centres and its day so far from days.
func (s *Store) Centres(ctx context.Context) ([]CentreSummary, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT c.id, c.last_seq, c.last_received, c.latest_seq, c.latest_day,
		c.latest_from, c.latest_to, c.counters_open, c.devices_total, c.devices_offline, c.devices_faults,
		c.latest_waiting, `+daySelect+`
		FROM centres c LEFT JOIN days d ON d.centre = c.id AND d.day = c.latest_day
		ORDER BY c.id`)
	if err != nil {
		return nil, fmt.Errorf("city.Store.Centres: %w", err)
	}
	defer rows.Close()
	var out []CentreSummary
	// One row's destinations, for every row.
	var c CentreSummary
	var received, from, to int64
	var d dayCounts
	dv := &c.Devices
	dest := append([]any{&c.Centre, int64Col{&c.LastSeq}, int64Col{&received}, int64Col{&c.LatestSeq}, &c.Day,
		int64Col{&from}, int64Col{&to}, intCol{&c.CountersOpen}, intCol{&dv.Total}, intCol{&dv.Offline},
		intCol{&dv.Faults}, intCol{&c.Waiting}}, d.dest()...)
	for rows.Next() {
		c, d = CentreSummary{}, dayCounts{}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("city.Store.Centres: %w", err)
		}
		c.LastReceived, c.LatestFrom, c.LastTo = fromNanos(received), fromNanos(from), fromNanos(to)
		c.Issued, c.Served, c.NoShows = d.issued, d.served, d.noShows
		c.Waits = d.waits()
		c.Rated, c.Satisfied = d.satisfaction()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("city.Store.Centres: %w", err)
	}
	return out, nil
}

// Trend returns the figures of a centre's latest days that are over,
// oldest first: at most days of them, each from the day aggregate, or
// from its latest day record when the centre sent no interval record of
// that day. A day is over once the centre sent its day record or an
// interval of a later day; the day under way is in Centres.
func (s *Store) Trend(ctx context.Context, centre string, days int) ([]DayFigures, error) {
	if days <= 0 {
		return nil, nil
	}
	// Days over: before the centre's latest interval, or with a day record.
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT d.day, `+daySelect+` FROM days d
		WHERE d.centre = ? AND (d.day < (SELECT c.latest_day FROM centres c WHERE c.id = d.centre)
			OR EXISTS (SELECT 1 FROM records r WHERE r.centre = d.centre AND r.kind = '`+protocol.FiguresDay+`' AND r.day = d.day))
		ORDER BY d.day DESC LIMIT ?`), centre, days)
	if err != nil {
		return nil, fmt.Errorf("city.Store.Trend: %w", err)
	}
	defer rows.Close()
	var out []DayFigures
	for rows.Next() {
		var f DayFigures
		var d dayCounts
		if err := rows.Scan(append([]any{&f.Day}, d.dest()...)...); err != nil {
			return nil, fmt.Errorf("city.Store.Trend: %w", err)
		}
		f.Seq = d.lastSeq
		f.Issued, f.Served, f.NoShows, f.Transferred = d.issued, d.served, d.noShows, d.transferred
		f.Waits = d.waits()
		f.Rated, f.Satisfied = d.satisfaction()
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("city.Store.Trend: %w", err)
	}
	rows.Close()
	fromRecords, err := s.dayRecords(ctx, centre, days, out)
	if err != nil {
		return nil, fmt.Errorf("city.Store.Trend: %w", err)
	}
	out = append(out, fromRecords...)
	slices.SortFunc(out, func(a, b DayFigures) int { return strings.Compare(a.Day, b.Day) })
	return out[max(0, len(out)-days):], nil
}

// dayRecords reads the figures of the centre's latest days that have a
// day record and no aggregate, from the latest day record of each.
func (s *Store) dayRecords(ctx context.Context, centre string, days int, aggregated []DayFigures) ([]DayFigures, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT day, MAX(seq) FROM records
		WHERE centre = ? AND kind = '`+protocol.FiguresDay+`'
		GROUP BY day ORDER BY day DESC LIMIT ?`), centre, days)
	if err != nil {
		return nil, err
	}
	var out []DayFigures
	for rows.Next() {
		var f DayFigures
		if err := rows.Scan(&f.Day, &f.Seq); err != nil {
			rows.Close()
			return nil, err
		}
		if !slices.ContainsFunc(aggregated, func(a DayFigures) bool { return a.Day == f.Day }) {
			out = append(out, f)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		f := &out[i]
		rows, err := s.db.QueryContext(ctx, s.q(`SELECT issued, served, no_shows, transferred, wait_n, wait_p50,
			wait_p90, wait_p95, wait_max, within_target, target_s, very_satisfied, satisfied, neutral, dissatisfied
			FROM service_figures WHERE centre = ? AND seq = ?`), centre, f.Seq)
		if err != nil {
			return nil, err
		}
		var d dayCounts
		for rows.Next() {
			var v protocol.ServiceFigures
			q, r := &v.Wait, &v.Ratings
			if err := rows.Scan(&v.Issued, &v.Served, &v.NoShows, &v.Transferred, &q.N, &q.P50, &q.P90, &q.P95, &q.Max,
				&v.WithinTarget, &v.TargetSeconds, &r[0], &r[1], &r[2], &r[3]); err != nil {
				rows.Close()
				return nil, err
			}
			d.add(v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		f.Issued, f.Served, f.NoShows, f.Transferred = d.issued, d.served, d.noShows, d.transferred
		f.Waits = d.waits()
		f.Rated, f.Satisfied = d.satisfaction()
	}
	return out, nil
}
