package sim

import (
	"math"
	"slices"
	"time"
)

// Stats are a run's figures, waits in minutes.
type Stats struct {
	Tickets  int     // served citizens measured
	NoShows  int     // citizens who did not answer their call
	Mean     float64 // mean wait
	P90, P95 float64
	Max      float64
	Within15 float64 // share waiting at most 15 minutes
	Within30 float64
	InTarget float64 // share waiting at most their service's target
	// WorstService is the service with the longest mean wait, and that mean.
	WorstService string
	WorstMean    float64
	Utilisation  float64 // counters' busy time over their open time

	// The printed wait against the wait until the first call, over every
	// citizen who was called.
	MAE       float64 // mean absolute error, minutes
	Bias      float64 // mean of printed minus actual: below zero is optimistic
	Within5   float64 // share within ±5 minutes
	Under5    float64 // share who waited more than 5 minutes longer than printed
	MeanFirst float64 // mean wait until the first call
}

// Stats computes the run's figures; targets are the services' target waits.
func (r *Run) Stats(targets []time.Duration) Stats {
	var st Stats
	var waits []float64
	perSvc := make([]float64, len(r.Services))
	nSvc := make([]int, len(r.Services))
	var absErr, bias, first float64
	var within5, under5, called int
	for _, v := range r.Visits {
		p, f := v.Printed.Minutes(), v.First.Minutes()
		absErr += math.Abs(p - f)
		bias += p - f
		first += f
		if math.Abs(p-f) <= 5 {
			within5++
		}
		if f-p > 5 {
			under5++
		}
		called++
		if !v.Served {
			st.NoShows++
			continue
		}
		w := v.Waited.Minutes()
		waits = append(waits, w)
		perSvc[v.Service] += w
		nSvc[v.Service]++
		if w <= 15 {
			st.Within15++
		}
		if w <= 30 {
			st.Within30++
		}
		if v.Service < len(targets) && v.Waited <= targets[v.Service] {
			st.InTarget++
		}
	}
	n := float64(len(waits))
	st.Tickets = len(waits)
	if n > 0 {
		slices.Sort(waits)
		var sum float64
		for _, w := range waits {
			sum += w
		}
		st.Mean = sum / n
		st.P90, st.P95 = quantile(waits, 0.90), quantile(waits, 0.95)
		st.Max = waits[len(waits)-1]
		st.Within15 /= n
		st.Within30 /= n
		st.InTarget /= n
	}
	for i := range perSvc {
		if nSvc[i] > 0 && perSvc[i]/float64(nSvc[i]) >= st.WorstMean {
			st.WorstMean, st.WorstService = perSvc[i]/float64(nSvc[i]), r.Services[i]
		}
	}
	if r.Open > 0 {
		st.Utilisation = float64(r.Busy) / float64(r.Open)
	}
	if called > 0 {
		c := float64(called)
		st.MAE, st.Bias, st.MeanFirst = absErr/c, bias/c, first/c
		st.Within5, st.Under5 = float64(within5)/c, float64(under5)/c
	}
	return st
}

// quantile of sorted xs, by the nearest rank.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(xs)))) - 1
	return xs[min(max(i, 0), len(xs)-1)]
}
