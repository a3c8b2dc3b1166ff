package sim

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Contender is one policy as the benchmark runs it.
type Contender struct {
	Label  string // as shown in the tables
	Policy string // engine policy name
	Pooled bool   // every counter serves every service: an anchor
	Advice bool   // the manager follows the reassignment advice
	// Skills reports whether it respects counter skills: ours must do at
	// least as well as every such reference.
	Skills bool
	Ours   bool
}

// Contenders are the policies compared on every scenario: ours, ours with
// the manager following the reassignment advice, the references that
// respect counter skills, and two anchors that ignore them.
var Contenders = []Contender{
	{Label: "balance (ours)", Policy: "balance", Skills: true, Ours: true},
	{Label: "balance + advice followed", Policy: "balance", Advice: true, Skills: true, Ours: true},
	{Label: "dedicated FCFS", Policy: "dedicated", Skills: true},
	{Label: "priority then arrival", Policy: "priority", Skills: true},
	{Label: "levels (QSystem)", Policy: "levels", Skills: true},
	{Label: "longest wait + threshold (Qmatic)", Policy: "longest-wait", Skills: true},
	{Label: "pooled FCFS (anchor)", Policy: "fcfs", Pooled: true},
	{Label: "pooled shortest first (anchor)", Policy: "shortest", Pooled: true},
}

// Result is one contender on one scenario.
type Result struct {
	Scenario  *Scenario
	Contender Contender
	Stats     Stats
	Moves     int
	Elapsed   time.Duration
}

// BenchOptions are a benchmark's.
type BenchOptions struct {
	Scenarios   []*Scenario
	Contenders  []Contender
	Days        int
	Seed        uint64
	Parallelism int // default GOMAXPROCS
}

// Bench runs every contender on every scenario, in parallel, and returns
// the results by scenario then contender. Cancelling ctx stops it between
// runs.
func Bench(ctx context.Context, o BenchOptions) ([]Result, error) {
	if o.Parallelism <= 0 {
		o.Parallelism = runtime.GOMAXPROCS(0)
	}
	if o.Contenders == nil {
		o.Contenders = Contenders
	}
	out := make([]Result, len(o.Scenarios)*len(o.Contenders))
	errs := make([]error, len(out))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range o.Parallelism {
		wg.Go(func() {
			for j := range jobs {
				if err := ctx.Err(); err != nil {
					errs[j] = err
					continue
				}
				s, c := o.Scenarios[j/len(o.Contenders)], o.Contenders[j%len(o.Contenders)]
				start := time.Now()
				run, err := Simulate(Options{Scenario: s, Policy: c.Policy, Pooled: c.Pooled, Advice: c.Advice,
					Days: o.Days, Seed: o.Seed, Predict: c.Ours && !c.Advice})
				if err != nil {
					errs[j] = err
					continue
				}
				out[j] = Result{Scenario: s, Contender: c, Stats: run.Stats(s.Targets()), Moves: run.Moves, Elapsed: time.Since(start)}
			}
		})
	}
	// Longest first, so that the workers end together: ours (which
	// predicts every printed wait) on the largest centres.
	order := make([]int, len(out))
	for j := range order {
		order[j] = j
	}
	cost := func(j int) int {
		s, c := o.Scenarios[j/len(o.Contenders)], o.Contenders[j%len(o.Contenders)]
		if c.Ours && !c.Advice {
			return 5 * s.Tickets
		}
		return s.Tickets
	}
	slices.SortStableFunc(order, func(a, b int) int { return cost(b) - cost(a) })
	for _, j := range order {
		jobs <- j
	}
	close(jobs)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Targets are the services' target waits.
func (s *Scenario) Targets() []time.Duration {
	var out []time.Duration
	for _, sv := range s.Services {
		out = append(out, time.Duration(sv.Target))
	}
	return out
}

// Markdown writes the results as the tables of BENCHMARKS.md.
func Markdown(w io.Writer, rs []Result, days int) {
	var order []*Scenario
	by := map[*Scenario][]Result{}
	for _, r := range rs {
		if by[r.Scenario] == nil {
			order = append(order, r.Scenario)
		}
		by[r.Scenario] = append(by[r.Scenario], r)
	}
	for _, s := range order {
		fmt.Fprintf(w, "### %s\n\n%s. %d days.\n\n", s.Name, s.Description, days)
		fmt.Fprintln(w, "| policy | mean | p90 | p95 | max | ≤ 15 min | ≤ 30 min | within target | worst service mean | utilisation |")
		fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
		for _, r := range by[s] {
			st := r.Stats
			label := r.Contender.Label
			if r.Contender.Advice {
				label += fmt.Sprintf(" (%d moves)", r.Moves)
			}
			fmt.Fprintf(w, "| %s | %.1f | %.1f | %.1f | %.0f | %.1f%% | %.1f%% | %.1f%% | %.1f (%s) | %.0f%% |\n",
				label, st.Mean, st.P90, st.P95, st.Max, 100*st.Within15, 100*st.Within30, 100*st.InTarget,
				st.WorstMean, st.WorstService, 100*st.Utilisation)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "### Printed wait")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "The wait printed on each ticket by the default policy's engine, against the wait until the citizen was first called.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| scenario | mean wait | mean absolute error | error / mean wait | bias | within ±5 min | waited > 5 min longer than printed |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, s := range order {
		for _, r := range by[s] {
			if !r.Contender.Ours || r.Contender.Advice {
				continue
			}
			st := r.Stats
			fmt.Fprintf(w, "| %s | %.1f | %.2f | %.1f%% | %+.2f | %.1f%% | %.1f%% |\n", s.Name, st.MeanFirst, st.MAE,
				100*st.MAE/max(st.MeanFirst, 1e-9), st.Bias, 100*st.Within5, 100*st.Under5)
		}
	}
	fmt.Fprintln(w)
}

// Check compares ours with the references on every scenario: at or ahead
// of every skill-respecting reference on p95 and share within target. It
// returns one line per shortfall.
func Check(rs []Result) []string {
	var out []string
	by := map[*Scenario][]Result{}
	var order []*Scenario
	for _, r := range rs {
		if by[r.Scenario] == nil {
			order = append(order, r.Scenario)
		}
		by[r.Scenario] = append(by[r.Scenario], r)
	}
	for _, s := range order {
		var ours *Result
		for i := range by[s] {
			if r := &by[s][i]; r.Contender.Ours && !r.Contender.Advice {
				ours = r
			}
		}
		if ours == nil {
			continue
		}
		for _, r := range by[s] {
			if r.Contender.Ours || !r.Contender.Skills {
				continue
			}
			if r.Stats.P95 < ours.Stats.P95 {
				out = append(out, fmt.Sprintf("%s: p95 %.2f behind %s's %.2f", s.Name, ours.Stats.P95, r.Contender.Label, r.Stats.P95))
			}
			if r.Stats.InTarget > ours.Stats.InTarget {
				out = append(out, fmt.Sprintf("%s: within target %.1f%% behind %s's %.1f%%", s.Name, 100*ours.Stats.InTarget, r.Contender.Label, 100*r.Stats.InTarget))
			}
		}
	}
	return out
}

// PolicyNames lists the contenders' engine policies, for flags' help.
func PolicyNames() string {
	var l []string
	for _, c := range Contenders {
		if !slices.Contains(l, c.Policy) {
			l = append(l, c.Policy)
		}
	}
	return strings.Join(l, ", ")
}
