package city

import (
	"context"
	"fmt"
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
	// Today, over the interval records of Day.
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

// DayFigures are a centre's figures of one local day, from its day record.
type DayFigures struct {
	Day                                  string
	Seq                                  int64
	Issued, Served, NoShows, Transferred int
	Waits                                Waits
	Rated                                int
	Satisfied                            float64
}

// tally adds up service rows.
type tally struct {
	issued, served, noShows, transferred int
	waits                                []waitRow
	ratings                              [4]int
}

func (t *tally) add(issued, served, noShows, transferred int, q protocol.Quantiles, target int, ratings [4]int) {
	t.issued += issued
	t.served += served
	t.noShows += noShows
	t.transferred += transferred
	t.waits = append(t.waits, waitRow{q: q, target: target})
	for i := range ratings {
		t.ratings[i] += ratings[i]
	}
}

// satisfaction is the number of ratings and the share very satisfied or
// satisfied.
func (t *tally) satisfaction() (int, float64) {
	n := t.ratings[0] + t.ratings[1] + t.ratings[2] + t.ratings[3]
	if n == 0 {
		return 0, 0
	}
	return n, float64(t.ratings[0]+t.ratings[1]) / float64(n)
}

const serviceColumns = `s.issued, s.served, s.no_shows, s.transferred, s.wait_n, s.wait_p50, s.wait_p90,
	s.wait_p95, s.wait_max, s.waiting, s.target_s, s.very_satisfied, s.satisfied, s.neutral, s.dissatisfied`

// Centres sums up every centre that has sent a record, by id.
func (s *Store) Centres(ctx context.Context) ([]CentreSummary, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, last_seq, last_received, latest_seq, latest_day,
		latest_from, latest_to, counters_open, devices_total, devices_offline, devices_faults
		FROM centres ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("city.Store.Centres: %w", err)
	}
	var out []CentreSummary
	index := map[string]int{}
	for rows.Next() {
		var c CentreSummary
		var received, from, to int64
		d := &c.Devices
		if err := rows.Scan(&c.Centre, &c.LastSeq, &received, &c.LatestSeq, &c.Day, &from, &to,
			&c.CountersOpen, &d.Total, &d.Offline, &d.Faults); err != nil {
			rows.Close()
			return nil, fmt.Errorf("city.Store.Centres: %w", err)
		}
		c.LastReceived, c.LatestFrom, c.LastTo = fromNanos(received), fromNanos(from), fromNanos(to)
		c.Waiting = -1
		index[c.Centre] = len(out)
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("city.Store.Centres: %w", err)
	}

	// Today's service rows of every centre, in one query.
	rows, err = s.db.QueryContext(ctx, `SELECT s.centre, s.seq, `+serviceColumns+`
		FROM centres c
		JOIN records r ON r.centre = c.id AND r.kind = '`+protocol.FiguresInterval+`' AND r.day = c.latest_day
		JOIN service_figures s ON s.centre = r.centre AND s.seq = r.seq`)
	if err != nil {
		return nil, fmt.Errorf("city.Store.Centres: %w", err)
	}
	defer rows.Close()
	tallies := make([]tally, len(out))
	for rows.Next() {
		var centre string
		var seq int64
		var issued, served, noShows, transferred, waiting, target int
		var q protocol.Quantiles
		var r [4]int
		if err := rows.Scan(&centre, &seq, &issued, &served, &noShows, &transferred, &q.N, &q.P50, &q.P90,
			&q.P95, &q.Max, &waiting, &target, &r[0], &r[1], &r[2], &r[3]); err != nil {
			return nil, fmt.Errorf("city.Store.Centres: %w", err)
		}
		i, ok := index[centre]
		if !ok {
			continue // a centre stored since the first query
		}
		tallies[i].add(issued, served, noShows, transferred, q, target, r)
		if c := &out[i]; seq == c.LatestSeq && waiting >= 0 {
			c.Waiting = max(c.Waiting, 0) + waiting
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("city.Store.Centres: %w", err)
	}
	for i := range out {
		t := &tallies[i]
		c := &out[i]
		c.Issued, c.Served, c.NoShows = t.issued, t.served, t.noShows
		c.Waits = sumWaits(t.waits)
		c.Rated, c.Satisfied = t.satisfaction()
	}
	return out, nil
}

// Trend returns the figures of a centre's latest days, oldest first, from
// its day records: at most days of them, a day without a record left out.
func (s *Store) Trend(ctx context.Context, centre string, days int) ([]DayFigures, error) {
	if days <= 0 {
		return nil, nil
	}
	// The latest record of each of the latest days.
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT day, MAX(seq) FROM records
		WHERE centre = ? AND kind = '`+protocol.FiguresDay+`'
		GROUP BY day ORDER BY day DESC LIMIT ?`), centre, days)
	if err != nil {
		return nil, fmt.Errorf("city.Store.Trend: %w", err)
	}
	var out []DayFigures
	index := map[int64]int{}
	for rows.Next() {
		var d DayFigures
		if err := rows.Scan(&d.Day, &d.Seq); err != nil {
			rows.Close()
			return nil, fmt.Errorf("city.Store.Trend: %w", err)
		}
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("city.Store.Trend: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	// Oldest first.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	for i, d := range out {
		index[d.Seq] = i
	}
	rows, err = s.db.QueryContext(ctx, s.q(`SELECT s.seq, `+serviceColumns+`
		FROM records r JOIN service_figures s ON s.centre = r.centre AND s.seq = r.seq
		WHERE r.centre = ? AND r.kind = '`+protocol.FiguresDay+`' AND r.day >= ?`), centre, out[0].Day)
	if err != nil {
		return nil, fmt.Errorf("city.Store.Trend: %w", err)
	}
	defer rows.Close()
	tallies := make([]tally, len(out))
	for rows.Next() {
		var seq int64
		var issued, served, noShows, transferred, waiting, target int
		var q protocol.Quantiles
		var r [4]int
		if err := rows.Scan(&seq, &issued, &served, &noShows, &transferred, &q.N, &q.P50, &q.P90,
			&q.P95, &q.Max, &waiting, &target, &r[0], &r[1], &r[2], &r[3]); err != nil {
			return nil, fmt.Errorf("city.Store.Trend: %w", err)
		}
		if i, ok := index[seq]; ok {
			tallies[i].add(issued, served, noShows, transferred, q, target, r)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("city.Store.Trend: %w", err)
	}
	for i := range out {
		t := &tallies[i]
		d := &out[i]
		d.Issued, d.Served, d.NoShows, d.Transferred = t.issued, t.served, t.noShows, t.transferred
		d.Waits = sumWaits(t.waits)
		d.Rated, d.Satisfied = t.satisfaction()
	}
	return out, nil
}
