// Command simulate runs the queue engine on simulated days at a virtual
// clock, every shipped scenario under every policy, and prints the tables
// of BENCHMARKS.md: waits under each policy, and the error of the wait
// printed on tickets.
//
//	go run ./controller/cmd/simulate -days 100 -seed 1
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/sothutu/sothutu/controller/sim"
)

type flags struct {
	days      int
	seed      uint64
	scenarios string
	policies  string
	parallel  int
	check     bool
}

func main() {
	var f flags
	flag.IntVar(&f.days, "days", 100, "simulated days per scenario and policy")
	flag.Uint64Var(&f.seed, "seed", 1, "random seed of the citizens; the same seed gives the same tables")
	flag.StringVar(&f.scenarios, "scenarios", "", "comma-separated scenarios to run; empty runs all shipped ones")
	flag.StringVar(&f.policies, "policies", "", "comma-separated engine policies to run ("+sim.PolicyNames()+"); empty runs all")
	flag.IntVar(&f.parallel, "parallel", runtime.GOMAXPROCS(0), "runs at a time")
	flag.BoolVar(&f.check, "check", false, "exit 1 if the default policy is behind a skill-respecting reference on p95 or share within target")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, f, os.Stdout, os.Stderr); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "simulate:", err)
		os.Exit(1)
	}
}

var errBehind = errors.New("the default policy is behind a reference")

func run(ctx context.Context, f flags, out, log io.Writer) error {
	all, err := sim.Scenarios()
	if err != nil {
		return err
	}
	var scenarios []*sim.Scenario
	for _, s := range all {
		if f.scenarios == "" || slices.Contains(strings.Split(f.scenarios, ","), s.Name) {
			scenarios = append(scenarios, s)
		}
	}
	if len(scenarios) == 0 {
		return fmt.Errorf("no scenario named %q", f.scenarios)
	}
	var contenders []sim.Contender
	for _, c := range sim.Contenders {
		if f.policies == "" || slices.Contains(strings.Split(f.policies, ","), c.Policy) {
			contenders = append(contenders, c)
		}
	}
	start := time.Now()
	rs, err := sim.Bench(ctx, sim.BenchOptions{Scenarios: scenarios, Contenders: contenders, Days: f.days, Seed: f.seed, Parallelism: f.parallel})
	if err != nil {
		return err
	}
	sim.Markdown(out, rs, f.days)
	fmt.Fprintf(out, "%d scenarios × %d policies × %d days in %.1f s on %d cores (GOMAXPROCS).\n",
		len(scenarios), len(contenders), f.days, time.Since(start).Seconds(), runtime.GOMAXPROCS(0))
	behind := sim.Check(rs)
	for _, l := range behind {
		fmt.Fprintln(log, "behind:", l)
	}
	if f.check && len(behind) > 0 {
		return errBehind
	}
	return nil
}
