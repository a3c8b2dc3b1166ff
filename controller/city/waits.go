package city

import (
	"math"
	"time"

	"github.com/sothutu/sothutu/protocol"
)

// Waits sums up the waits of several rows of figures (services,
// intervals). Centres send quantiles, not waits, so P50 and P90 are
// estimates: each row's waits are taken to spread linearly between 0 and
// its p50, p50 and p90, p90 and p95, p95 and max (cdf). The day
// aggregate (days.go) pools the rows by their counts as a histogram of
// fixed buckets and reads the quantiles off that, linearly within a
// bucket. Centres also send how many waits met the target, so
// WithinTarget is exact.
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

// waitRow is the wait quantiles of one row.
type waitRow struct {
	q protocol.Quantiles
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

func seconds(x float64) time.Duration {
	return time.Duration(math.Round(x)) * time.Second
}
