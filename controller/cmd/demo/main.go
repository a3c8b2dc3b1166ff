// Command demo runs a whole centre on one machine: the embedded broker, the
// controller with its SQLite store, simulated kiosks and counter terminals
// speaking the real protocol over MQTT, and citizens arriving at a realistic
// rate, on a clock running faster than real time. It shows the centre live
// in the terminal and on the managers' web pages, and ends with a summary.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
)

type flags struct {
	config  string
	dir     string
	speed   float64
	start   string
	hours   float64
	perDay  int
	seed    uint64
	verbose bool
	http    string // the web pages' address; empty for none
	keep    bool   // serve the pages after the simulated hours, until interrupted
}

func main() {
	var f flags
	flag.StringVar(&f.config, "config", "", "centre configuration file; empty uses the example commune centre")
	flag.StringVar(&f.dir, "dir", "", "folder for the database, device state and printed tickets; empty makes a temporary one")
	flag.Float64Var(&f.speed, "speed", 180, "simulated seconds per real second")
	flag.StringVar(&f.start, "start", "07:30", "local time the simulated day starts at")
	flag.Float64Var(&f.hours, "hours", 3, "simulated hours to run")
	flag.IntVar(&f.perDay, "per-day", 320, "tickets a whole working day would see (7.5 hours, 1.7x from 8:00 to 10:00)")
	flag.Uint64Var(&f.seed, "seed", 1, "random seed of arrivals and service times")
	flag.BoolVar(&f.verbose, "v", false, "show the programs' logs")
	flag.StringVar(&f.http, "http", "127.0.0.1:8080", "address of the managers' and staff's web pages; empty for none")
	flag.BoolVar(&f.keep, "keep", false, "keep the centre and its pages up after the simulated hours, until Ctrl-C")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logs := io.Discard
	if f.verbose {
		logs = os.Stderr
	}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := run(ctx, f, os.Stdout, log); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// clock runs simulated time: speed simulated seconds per real second from
// start.
type clock struct {
	start time.Time
	real  time.Time
	speed float64
}

func (c *clock) Now() time.Time {
	return c.start.Add(time.Duration(float64(time.Since(c.real)) * c.speed))
}

// After is time.After for a simulated duration: the controller's ticks
// and alert checks run on the demo's time.
func (c *clock) After(d time.Duration) <-chan time.Time {
	fired := make(chan time.Time, 1)
	time.AfterFunc(time.Duration(float64(d)/c.speed), func() { fired <- c.Now() })
	return fired
}

// sleep waits for a simulated duration.
func (c *clock) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(time.Duration(float64(d) / c.speed))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
