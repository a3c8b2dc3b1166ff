package city

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/sothutu/sothutu/protocol"
)

// The day aggregate: one row per centre and local day, summing up the
// day's interval records so that the city view reads one row per centre
// instead of every service row of the day. Put adds each new interval
// record to it in the transaction that stores the record, so a record
// sent twice, or stored by two writers at once, counts once.
//
// The waits of a day are kept as a histogram in milli-waits: each service
// row's waits are spread over the buckets by the row's estimated
// distribution (waitRow.cdf), rounded cumulatively to thousandths of a
// wait so that a row adds exactly 1000 × its count and sums are exact
// integers whatever the order of the writers. The histogram is thus the
// rows' pooled distribution taken at the bucket edges, and the day's P50
// and P90, read off it linearly within a bucket, fall in the same bucket
// as that distribution's own quantiles: off from them by less than the
// bucket's width (5 minutes up to 20 minutes of wait, 15 up to an hour,
// 30 up to two hours). The counts, the within-target share and the
// longest wait are exact.

// bucketEdges are the upper ends of the wait buckets in seconds: 0-5,
// 5-10, 10-15, 15-20, 20-30, 30-45, 45-60, 60-90, 90-120 and 120-180
// minutes; the last bucket, past 180 minutes, ends at the day's longest
// wait.
var bucketEdges = [...]int{300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 10800}

const buckets = len(bucketEdges) + 1

// bucketColumns name the buckets by their upper end in minutes.
var bucketColumns = func() []string {
	out := make([]string, buckets)
	for i, e := range bucketEdges {
		out[i] = fmt.Sprintf("w%d", e/60)
	}
	out[buckets-1] = "w_over"
	return out
}()

// dayCounts is what a day's interval records add up to.
type dayCounts struct {
	records                              int
	lastSeq                              int64
	issued, served, noShows, transferred int
	waitN, withinTarget, targeted        int
	ratings                              [4]int
	waitMax                              int            // seconds
	hist                                 [buckets]int64 // milli-waits
}

// add counts one service row of an interval record.
func (d *dayCounts) add(v protocol.ServiceFigures) {
	d.issued += v.Issued
	d.served += v.Served
	d.noShows += v.NoShows
	d.transferred += v.Transferred
	d.waitN += v.Wait.N
	if v.TargetSeconds > 0 {
		d.targeted += v.Wait.N
		d.withinTarget += v.WithinTarget
	}
	for i, n := range v.Ratings {
		d.ratings[i] += n
	}
	if v.Wait.N > 0 {
		d.waitMax = max(d.waitMax, v.Wait.Max)
		h := spread(v.Wait)
		for i := range h {
			d.hist[i] += h[i]
		}
	}
}

// spread is the histogram of a row's waits in milli-waits: bucket i holds
// the share of waits above the edge before it and at most its own edge.
func spread(q protocol.Quantiles) [buckets]int64 {
	var h [buckets]int64
	if q.N <= 0 {
		return h
	}
	r := waitRow{q: q}
	total := int64(q.N) * 1000
	var prev int64
	for i, e := range bucketEdges {
		cum := min(total, int64(math.Round(float64(total)*r.cdf(float64(e)))))
		h[i] = cum - prev
		prev = cum
	}
	h[buckets-1] = total - prev
	return h
}

// waits reads the day's Waits: the counts exact, P50 and P90 off the
// histogram, linearly within the bucket where the share is reached (the
// last bucket ending at the longest wait, and no bucket past it).
func (d *dayCounts) waits() Waits {
	w := Waits{N: d.waitN, Max: time.Duration(d.waitMax) * time.Second, Targeted: d.targeted}
	if d.targeted > 0 {
		w.WithinTarget = float64(d.withinTarget) / float64(d.targeted)
	}
	var total int64
	for _, n := range d.hist {
		total += n
	}
	if d.waitN == 0 || total == 0 {
		return w
	}
	w.P50, w.P90 = d.quantile(total, 0.5), d.quantile(total, 0.9)
	return w
}

func (d *dayCounts) quantile(total int64, p float64) time.Duration {
	target := p * float64(total)
	var cum int64
	lo := 0.0
	for i, n := range d.hist {
		hi := float64(d.waitMax)
		if i < len(bucketEdges) {
			hi = min(hi, float64(bucketEdges[i]))
		}
		hi = max(hi, lo)
		if n > 0 && float64(cum+n) >= target {
			return seconds(lo + (hi-lo)*(target-float64(cum))/float64(n))
		}
		cum += n
		lo = hi
	}
	return seconds(lo)
}

// satisfaction is the number of ratings and the share very satisfied or
// satisfied.
func (d *dayCounts) satisfaction() (int, float64) {
	n := d.ratings[0] + d.ratings[1] + d.ratings[2] + d.ratings[3]
	if n == 0 {
		return 0, 0
	}
	return n, float64(d.ratings[0]+d.ratings[1]) / float64(n)
}

// dayColumns are the days table's columns after centre and day, in the
// order of dayCounts.args and scan.
var dayColumns = append([]string{"records", "last_seq", "issued", "served", "no_shows", "transferred",
	"wait_n", "within_target", "targeted", "very_satisfied", "satisfied", "neutral", "dissatisfied",
	"wait_max"}, bucketColumns...)

func (d *dayCounts) args() []any {
	out := []any{d.records, d.lastSeq, d.issued, d.served, d.noShows, d.transferred,
		d.waitN, d.withinTarget, d.targeted, d.ratings[0], d.ratings[1], d.ratings[2], d.ratings[3], d.waitMax}
	for _, n := range d.hist {
		out = append(out, n)
	}
	return out
}

// dest is where Scan puts the columns. Integer columns scan through
// intCol: database/sql converts int64 to int by way of a string, which
// costs the city view of every centre more than the query itself.
func (d *dayCounts) dest() []any {
	out := []any{intCol{&d.records}, int64Col{&d.lastSeq}, intCol{&d.issued}, intCol{&d.served},
		intCol{&d.noShows}, intCol{&d.transferred}, intCol{&d.waitN}, intCol{&d.withinTarget}, intCol{&d.targeted},
		intCol{&d.ratings[0]}, intCol{&d.ratings[1]}, intCol{&d.ratings[2]}, intCol{&d.ratings[3]}, intCol{&d.waitMax}}
	for i := range d.hist {
		out = append(out, int64Col{&d.hist[i]})
	}
	return out
}

// intCol and int64Col scan an integer column without conversions.
type (
	intCol   struct{ p *int }
	int64Col struct{ p *int64 }
)

func (c intCol) Scan(src any) error {
	var n int64
	if err := (int64Col{&n}).Scan(src); err != nil {
		return err
	}
	*c.p = int(n)
	return nil
}

func (c int64Col) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		*c.p = v
	case int32:
		*c.p = int64(v)
	case nil:
		*c.p = 0
	default:
		return fmt.Errorf("city: integer column holds %T", src)
	}
	return nil
}

// daysTable is the schema of the aggregate.
func daysTable() string {
	var b strings.Builder
	b.WriteString("CREATE TABLE IF NOT EXISTS days (\n\tcentre TEXT NOT NULL,\n\tday TEXT NOT NULL,\n")
	for i, c := range dayColumns {
		typ := "INTEGER"
		if c == "last_seq" || i >= len(dayColumns)-buckets {
			typ = "BIGINT"
		}
		fmt.Fprintf(&b, "\t%s %s NOT NULL,\n", c, typ)
	}
	b.WriteString("\tPRIMARY KEY (centre, day)\n)")
	return b.String()
}

// Rows per upsert of the aggregate.
const daysPerUpsert = 500

// upsertDays adds n rows to the aggregate in one statement: counts add
// up, the longest wait and the last seq are the larger. The rows of one
// statement are distinct (centre, day), as PostgreSQL requires.
func upsertDays(n int) string {
	var set []string
	for _, c := range dayColumns {
		switch c {
		case "last_seq", "wait_max":
			set = append(set, fmt.Sprintf("%s = CASE WHEN excluded.%s > days.%s THEN excluded.%s ELSE days.%s END", c, c, c, c, c))
		default:
			set = append(set, fmt.Sprintf("%s = days.%s + excluded.%s", c, c, c))
		}
	}
	return `INSERT INTO days (centre, day, ` + strings.Join(dayColumns, ", ") + `) VALUES ` +
		values(n, 2+len(dayColumns)) + ` ON CONFLICT (centre, day) DO UPDATE SET ` + strings.Join(set, ", ")
}

type dayKey struct{ centre, day string }

// putDays adds a batch's new interval records, summed per centre and day,
// to the aggregate, in key order so that two writers lock rows alike.
func (s *Store) putDays(ctx context.Context, tx *sql.Tx, days map[dayKey]*dayCounts) error {
	keys := make([]dayKey, 0, len(days))
	for k := range days {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b dayKey) int {
		if c := strings.Compare(a.centre, b.centre); c != 0 {
			return c
		}
		return strings.Compare(a.day, b.day)
	})
	for chunk := range slices.Chunk(keys, daysPerUpsert) {
		args := make([]any, 0, len(chunk)*(2+len(dayColumns)))
		for _, k := range chunk {
			args = append(append(args, k.centre, k.day), days[k].args()...)
		}
		if _, err := tx.ExecContext(ctx, s.q(upsertDays(len(chunk))), args...); err != nil {
			return fmt.Errorf("city.Store.Put: update days: %w", err)
		}
	}
	return nil
}
