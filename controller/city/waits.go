package city

import (
	"math"
	"sort"
	"time"

	"github.com/sothutu/sothutu/protocol"
)

// Waits sums up the waits of several rows of figures (services,
// intervals). Centres send quantiles, not waits, so P50 and P90 are
// estimates: each row's waits are taken to spread linearly between 0 and
// its p50, p50 and p90, p90 and p95, p95 and max (cdf). sumWaits pools
// the rows by their counts and reads the quantiles off the pooled
// distribution; the day aggregate (days.go) keeps the pooled
// distribution as a histogram of fixed buckets and reads them off that,
// linearly within a bucket. Centres also send how many waits met the
// target, so WithinTarget is exact.
type Waits struct {
	N        int           // waits counted: citizens called
	P50, P90 time.Duration // estimated; 0 when N is 0
	Max      time.Duration // the longest wait, exact
	// Targeted counts the waits of services with a target; WithinTarget
	// is the share of them that met it, 0 to 1 (0 when Targeted is 0),
	// exact: the sum of the rows' within-target counts over Targeted.
	Targeted     int
	WithinTarget float64
}

// waitRow is the wait quantiles of one row, its service's target and how
// many of its waits met it.
type waitRow struct {
	q      protocol.Quantiles
	target int // seconds; 0 for none
	within int // waits of at most target
}

// knots are the points of a row's estimated distribution function:
// (0 s, 0), (p50, 0.5), (p90, 0.9), (p95, 0.95), (max, 1).
var knotShares = [5]float64{0, 0.5, 0.9, 0.95, 1}

func (r waitRow) knots() [5]float64 {
	return [5]float64{0, float64(r.q.P50), float64(r.q.P90), float64(r.q.P95), float64(r.q.Max)}
}

// cdf is the estimated share of the row's waits of x seconds or less.
func (r waitRow) cdf(x float64) float64 {
	k := r.knots()
	if x >= k[4] {
		return 1
	}
	for i := 1; i < 5; i++ {
		if x < k[i] {
			// k[i-1] <= x < k[i], so k[i] > k[i-1].
			return knotShares[i-1] + (knotShares[i]-knotShares[i-1])*(x-k[i-1])/(k[i]-k[i-1])
		}
		if x == k[i] {
			// The highest share at a point where several knots meet.
			j := i
			for j < 4 && k[j+1] == x {
				j++
			}
			return knotShares[j]
		}
	}
	return 1
}

// sumWaits pools rows into Waits. P50 and P90 are exact at a row's own
// quantiles when one row holds all the waits, and between the smallest
// and largest of the rows' quantiles otherwise.
func sumWaits(rows []waitRow) Waits {
	var w Waits
	for _, r := range rows {
		if r.q.N == 0 {
			continue
		}
		w.N += r.q.N
		w.Max = max(w.Max, time.Duration(r.q.Max)*time.Second)
		if r.target > 0 {
			w.Targeted += r.q.N
			w.WithinTarget += float64(r.within)
		}
	}
	if w.Targeted > 0 {
		w.WithinTarget /= float64(w.Targeted)
	}
	if w.N == 0 {
		return w
	}
	q := pooledQuantiles(rows, float64(w.N), 0.5, 0.9)
	w.P50, w.P90 = q[0], q[1]
	return w
}

// pooledQuantiles reads the quantiles ps, rising, off the pooled
// distribution of rows holding n waits. The pooled function is a sum of
// lines between the rows' knots: one sweep over the knots in order, with
// the slope changing at each and a step where knots of a row coincide,
// finds them in O(k log k) for k knots.
func pooledQuantiles(rows []waitRow, n float64, ps ...float64) []time.Duration {
	type event struct {
		x, slope, step float64
	}
	var events []event
	for _, r := range rows {
		if r.q.N == 0 {
			continue
		}
		k := r.knots()
		for i := 1; i < 5; i++ {
			mass := float64(r.q.N) * (knotShares[i] - knotShares[i-1])
			if k[i] == k[i-1] {
				events = append(events, event{x: k[i], step: mass})
				continue
			}
			slope := mass / (k[i] - k[i-1])
			events = append(events, event{x: k[i-1], slope: slope}, event{x: k[i], slope: -slope})
		}
	}
	sort.Slice(events, func(i, j int) bool { return events[i].x < events[j].x })
	out := make([]time.Duration, len(ps))
	next := 0 // the quantile looked for
	target := func() float64 { return ps[next]*n - 1e-9*n }
	var f, slope, prev float64
	for i := 0; i < len(events) && next < len(ps); {
		x := events[i].x
		// Along the line from prev to x.
		for next < len(ps) && f+slope*(x-prev) >= target() {
			out[next] = seconds(prev + (target()-f)/slope)
			next++
		}
		f += slope * (x - prev)
		prev = x
		for ; i < len(events) && events[i].x == x; i++ {
			f += events[i].step
			slope += events[i].slope
		}
		// At x, after its steps.
		for next < len(ps) && f >= target() {
			out[next] = seconds(x)
			next++
		}
	}
	for ; next < len(ps); next++ {
		out[next] = seconds(prev)
	}
	return out
}

func seconds(x float64) time.Duration {
	return time.Duration(math.Round(x)) * time.Second
}
