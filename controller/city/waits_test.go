package city

import (
	"math"
	"testing"
	"time"

	"github.com/sothutu/sothutu/protocol"
)

func TestSumWaits(t *testing.T) {
	q := protocol.Quantiles{N: 10, P50: 100, P90: 200, P95: 300, Max: 400}
	for _, c := range []struct {
		name     string
		rows     []waitRow
		p50, p90 time.Duration
		within   float64
		targeted int
	}{
		{name: "none"},
		{name: "no waits counted", rows: []waitRow{{q: protocol.Quantiles{}, target: 60}}},
		// One row: its own quantiles, and the share within as the
		// centre counted it.
		{name: "one row", rows: []waitRow{{q: q, target: 250, within: 9}}, p50: 100 * time.Second, p90: 200 * time.Second,
			within: 0.9, targeted: 10},
		{name: "target past max", rows: []waitRow{{q: q, target: 900, within: 10}}, p50: 100 * time.Second, p90: 200 * time.Second,
			within: 1, targeted: 10},
		// Without a target a row's count within is not counted.
		{name: "no target", rows: []waitRow{{q: q, within: 5}}, p50: 100 * time.Second, p90: 200 * time.Second},
		// Everyone called at once: all knots at 0.
		{name: "no wait", rows: []waitRow{{q: protocol.Quantiles{N: 3}, target: 60, within: 3}}, within: 1, targeted: 3},
		// Two equal rows pool to the same quantiles; 9 + 8 of 20 within.
		{name: "equal rows", rows: []waitRow{{q: q, target: 250, within: 9}, {q: q, target: 250, within: 8}},
			p50: 100 * time.Second, p90: 200 * time.Second, within: 0.85, targeted: 20},
		// Half the waits with a median of 100 s, half of 300 s. Between
		// 100 and 200 s both lines are straight: F = (F1+F2)/2 goes from
		// (0.5+1/6)/2 to (0.9+2/3)/2 and reaches 0.5 at 158.8 s. Between
		// 300 and 400 s F1+F2 goes from 1.45 to 1.9, 1.8 at 377.8 s.
		{name: "two rows", rows: []waitRow{
			{q: q},
			{q: protocol.Quantiles{N: 10, P50: 300, P90: 400, P95: 500, Max: 600}}},
			p50: 159 * time.Second, p90: 378 * time.Second},
		// Heavy rows weigh more: F = 0.9 F1 + 0.1 F2. From 100 to 200 s
		// F goes from 0.455 to 0.82 (0.5 at 112.3 s), from 300 to 400 s
		// from 0.87 to 0.92 (0.9 at 360 s); 81 + 1 of 100 within.
		{name: "weighted", rows: []waitRow{
			{q: protocol.Quantiles{N: 90, P50: 100, P90: 200, P95: 300, Max: 400}, target: 200, within: 81},
			{q: protocol.Quantiles{N: 10, P50: 1000, P90: 2000, P95: 3000, Max: 4000}, target: 200, within: 1}},
			p50: 112 * time.Second, p90: 360 * time.Second, within: 0.82, targeted: 100},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := sumWaits(c.rows)
			if w.P50 != c.p50 || w.P90 != c.p90 || w.Targeted != c.targeted || math.Abs(w.WithinTarget-c.within) > 1e-9 {
				t.Errorf("got p50 %s p90 %s, %d targeted, %.4f within; want %s %s, %d, %.4f",
					w.P50, w.P90, w.Targeted, w.WithinTarget, c.p50, c.p90, c.targeted, c.within)
			}
		})
	}
}
