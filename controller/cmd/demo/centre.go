package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sothutu/sothutu/controller/broker"
	"github.com/sothutu/sothutu/controller/centre"
	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/controller/store"
	"github.com/sothutu/sothutu/controller/web"
	"github.com/sothutu/sothutu/firmware/link"
	"github.com/sothutu/sothutu/firmware/sim"
	"github.com/sothutu/sothutu/internal/lifecycle"
	"github.com/sothutu/sothutu/protocol"
)

func run(ctx context.Context, f flags, out io.Writer, log *slog.Logger) error {
	cfg, err := loadConfig(f.config)
	if err != nil {
		return err
	}
	dir := f.dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "sothutu-demo-"); err != nil {
			return err
		}
	}
	clk, err := simulatedDay(f, cfg.Location)
	if err != nil {
		return err
	}
	start, end := clk.start, clk.start.Add(time.Duration(f.hours*float64(time.Hour)))

	st, err := store.Open(filepath.Join(dir, "centre.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	b, err := broker.Start(broker.Options{Addr: "127.0.0.1:0", Accounts: centre.Accounts(cfg), Logger: log.With("part", "broker")})
	if err != nil {
		return err
	}
	defer b.Close()
	url := "tcp://" + b.Addr()
	ctl, err := centre.New(ctx, centre.Options{Centre: cfg, Store: st, Broker: url, Clock: clk,
		Logger: log.With("part", "controller"), Version: "demo",
		// Once a second and every 5 seconds of real time, as a real centre's.
		TickEvery: time.Duration(f.speed * float64(time.Second)), AlertEvery: time.Duration(f.speed * float64(5*time.Second))})
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "%s\n", cfg.Name.VI)
	fmt.Fprintf(out, "broker %s, %d services, %d counters, %d devices; %.0fx real time, %s to %s\n",
		url, len(cfg.Services), len(cfg.Counters), len(cfg.Devices), f.speed, start.Format("15:04"), end.Format("15:04"))
	fmt.Fprintf(out, "printed tickets: %s\n\n", filepath.Join(dir, "tickets"))

	// The controller, the pages and the devices are parts that end
	// together: the first to fail (the controller, say) stops the others,
	// and the demo returns its error.
	parts, runCtx := lifecycle.NewGroup(ctx)
	defer func() {
		parts.Stop()
		parts.Wait()
	}()
	parts.Go("controller", ctl.Run)
	if f.http != "" {
		hint := "sign in as a user of " + f.config
		if f.config == "" {
			hint = "sign in as quanly (manager), lan or minh (staff) or xem (viewer); password doi-mat-khau-<name>"
		}
		srv, ln, err := pagesServer(f.http, cfg, ctl, st, log, out, hint)
		if err != nil {
			return err
		}
		parts.Go("web pages", func(ctx context.Context) error { return lifecycle.Serve(ctx, srv, ln) })
	}
	if err := signInStaff(ctx, ctl, cfg); err != nil {
		return err
	}
	kiosks, counters, err := startDevices(parts, cfg, url, dir, log)
	if err != nil {
		return err
	}

	rng := rand.New(rand.NewPCG(f.seed, 7))
	mean := map[string]time.Duration{}
	for _, s := range cfg.Services {
		mean[s.ID] = s.MeanService
	}
	var errs errorCount
	for i, c := range counters {
		seed := rng.Uint64()
		parts.Go("counter "+c.id, func(ctx context.Context) error {
			c.work(ctx, clk, rand.New(rand.NewPCG(seed, uint64(i))), mean, &errs)
			return nil
		})
	}
	a := arrivals{clk: clk, kiosks: kiosks, perDay: f.perDay, services: cfg.Services, rng: rand.New(rand.NewPCG(f.seed, 11))}
	arrived := make(chan struct{})
	parts.Go("arrivals", func(ctx context.Context) error {
		a.run(ctx, end, &errs)
		close(arrived)
		return nil
	})
	// stopped is the demo's end when a part failed or ctx ended.
	stopped := func() error {
		if err := parts.Wait(); err != nil {
			return err
		}
		return ctx.Err()
	}

	if !watch(runCtx, out, ctl, clk, end, arrived) {
		return stopped()
	}
	if f.keep && f.http != "" {
		fmt.Fprintln(out, "\nthe simulated hours are over; the pages stay up until Ctrl-C")
		<-runCtx.Done()
		if err := parts.Wait(); err != nil {
			return err
		}
	}
	parts.Stop()
	if err := parts.Wait(); err != nil {
		return err
	}
	return summary(ctx, out, st, cfg, clk.Now(), errs.n.Load())
}

// simulatedDay is the clock of the simulated day: today at -start, at
// -speed.
func simulatedDay(f flags, loc *time.Location) (*clock, error) {
	start, err := time.ParseInLocation("15:04", f.start, loc)
	if err != nil {
		return nil, fmt.Errorf("-start %q: write it like 07:30", f.start)
	}
	today := time.Now().In(loc)
	start = time.Date(today.Year(), today.Month(), today.Day(), start.Hour(), start.Minute(), 0, 0, loc)
	return &clock{start: start, real: time.Now(), speed: f.speed}, nil
}

// signInStaff starts the staff of the configuration at their counters, so
// that the reports per staff member name them.
func signInStaff(ctx context.Context, ctl *centre.Controller, cfg *config.Centre) error {
	for _, u := range cfg.Users {
		if u.Role == config.RoleStaff {
			actor := engine.Actor{Device: "web:" + u.Name, Kind: protocol.DeviceCounter, Counter: u.Counter}
			if err := ctl.Note(ctx, "signed_in", u.Counter, actor, ""); err != nil {
				return err
			}
		}
	}
	return nil
}

// startDevices links every kiosk and counter terminal of the
// configuration to the broker at url, each link a part of parts, and
// returns the simulated kiosks and counters on them.
func startDevices(parts *lifecycle.Group, cfg *config.Centre, url, dir string, log *slog.Logger) ([]*sim.Kiosk, []*demoCounter, error) {
	names := map[string]string{}
	for _, s := range cfg.Services {
		names[s.ID] = s.Name.VI
	}
	var kiosks []*sim.Kiosk
	var counters []*demoCounter
	for _, d := range cfg.Devices {
		if d.Kind == protocol.DeviceBoard {
			continue
		}
		l, err := link.New(link.Options{Broker: url, Centre: cfg.ID, Device: d.ID, Kind: d.Kind, Password: d.Password,
			Firmware: "demo", StateDir: filepath.Join(dir, "devices", d.ID), Logger: log.With("device", d.ID)})
		if err != nil {
			return nil, nil, err
		}
		parts.Go(d.ID, l.Run)
		switch d.Kind {
		case protocol.DeviceKiosk:
			k, err := sim.NewKiosk(sim.KioskOptions{Link: l, Folder: filepath.Join(dir, "tickets"),
				CentreName: cfg.Name.VI, ServiceNames: names, Location: cfg.Location})
			if err != nil {
				return nil, nil, err
			}
			kiosks = append(kiosks, k)
		case protocol.DeviceCounter:
			counters = append(counters, &demoCounter{id: d.Counter, term: sim.NewCounter(l)})
		}
	}
	if len(kiosks) == 0 || len(counters) == 0 {
		return nil, nil, errors.New("the configuration needs at least one kiosk and one counter terminal")
	}
	return kiosks, counters, nil
}

// watch shows the centre's progress every second until the simulated
// hours end and the last citizens have their tickets (arrived closes);
// false if ctx ended first.
func watch(ctx context.Context, out io.Writer, ctl *centre.Controller, clk *clock, end time.Time, arrived <-chan struct{}) bool {
	show := time.NewTicker(time.Second)
	defer show.Stop()
	for clk.Now().Before(end) {
		select {
		case <-ctx.Done():
			return false
		case <-show.C:
			s, err := ctl.Status(ctx)
			if err == nil {
				fmt.Fprintln(out, progress(clk.Now(), s))
			}
		}
	}
	// The last citizens get their tickets before the devices stop.
	select {
	case <-arrived:
		return true
	case <-ctx.Done():
		return false
	}
}

// pagesServer is the server of the managers' and staff's pages, on the
// real clock so that sessions last as long as they would in a centre, and
// its listener.
func pagesServer(addr string, cfg *config.Centre, ctl *centre.Controller, st *store.Store,
	log *slog.Logger, out io.Writer, hint string) (*http.Server, net.Listener, error) {
	pages, err := web.New(web.Options{Centre: cfg, Controller: ctl, Store: st, Logger: log.With("part", "web")})
	if err != nil {
		return nil, nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("web pages on %s: %w (choose another with -http, or -http \"\")", addr, err)
	}
	srv := &http.Server{Handler: pages, ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(out, "web pages: http://%s/\n  %s\n\n", ln.Addr(), hint)
	return srv, ln, nil
}

func loadConfig(path string) (*config.Centre, error) {
	if path == "" {
		return config.Parse("example.yaml", config.Example())
	}
	return config.Load(path)
}

// progress is one line of the live view.
func progress(now time.Time, s centre.Status) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  issued %3d  served %3d  waiting", now.Format("15:04"), s.Totals.Issued, s.Totals.Served)
	for _, q := range s.Services {
		fmt.Fprintf(&b, " %s:%-2d", q.Service, q.Waiting)
	}
	b.WriteString("  counters")
	for _, c := range s.Counters {
		switch c.Status {
		case protocol.CounterServing:
			fmt.Fprintf(&b, " %s:%s", c.Counter, c.Ticket)
		default:
			fmt.Fprintf(&b, " %s:%s", c.Counter, strings.Repeat("-", 4))
		}
	}
	return b.String()
}

// arrivals sends citizens to the kiosks: a Poisson process at a day's
// average rate, 1.7 times that from 8:00 to 10:00.
type arrivals struct {
	clk      *clock
	kiosks   []*sim.Kiosk
	perDay   int
	services []config.Service
	rng      *rand.Rand
}

func (a *arrivals) rate(t time.Time) float64 {
	// 7.5 working hours, two of them at 1.7x: 8.9 hour-equivalents.
	base := float64(a.perDay) / 8.9
	if h := t.Hour(); h >= 8 && h < 10 {
		return base * 1.7
	}
	return base
}

func (a *arrivals) run(ctx context.Context, end time.Time, errs *errorCount) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		now := a.clk.Now()
		gap := time.Duration(a.rng.ExpFloat64() / a.rate(now) * float64(time.Hour))
		if !a.clk.sleep(ctx, gap) || a.clk.Now().After(end) {
			return
		}
		s := a.pick()
		p := protocol.PriorityNone
		if a.rng.IntN(100) < 8 {
			p = protocol.Priorities[a.rng.IntN(len(protocol.Priorities))]
		}
		k := a.kiosks[a.rng.IntN(len(a.kiosks))]
		wg.Go(func() {
			if _, err := k.Take(ctx, s, p); err != nil && ctx.Err() == nil {
				errs.add()
			}
		})
	}
}

// pick chooses a service, each as likely as the others.
func (a *arrivals) pick() string {
	return a.services[a.rng.IntN(len(a.services))].ID
}

// demoCounter is a member of staff at a counter terminal.
type demoCounter struct {
	id   string
	term *sim.Counter
}

func (c *demoCounter) work(ctx context.Context, clk *clock, rng *rand.Rand, mean map[string]time.Duration, errs *errorCount) {
	for ctx.Err() == nil {
		r, err := c.term.Do(ctx, protocol.Request{Op: protocol.OpCallNext})
		if err != nil {
			if ctx.Err() == nil {
				errs.add()
			}
			continue
		}
		if r.Ticket == nil {
			clk.sleep(ctx, 30*time.Second)
			continue
		}
		if rng.IntN(100) < 3 {
			clk.sleep(ctx, 2*time.Minute)
			c.term.Do(ctx, protocol.Request{Op: protocol.OpNoShow})
			continue
		}
		if !clk.sleep(ctx, lognormal(rng, mean[r.Ticket.Service], 0.6)) {
			return
		}
		if _, err := c.term.Do(ctx, protocol.Request{Op: protocol.OpComplete}); err != nil && ctx.Err() == nil {
			errs.add()
		}
		rating := protocol.Ratings[min(rng.IntN(6), 3)]
		c.term.Do(ctx, protocol.Request{Op: protocol.OpRate, Rating: rating})
	}
}

// lognormal draws a duration with the given mean and coefficient of
// variation.
func lognormal(rng *rand.Rand, mean time.Duration, cv float64) time.Duration {
	s2 := math.Log(1 + cv*cv)
	mu := math.Log(float64(mean)) - s2/2
	return time.Duration(math.Exp(mu + math.Sqrt(s2)*rng.NormFloat64()))
}

type errorCount struct{ n atomic.Int64 }

func (e *errorCount) add() { e.n.Add(1) }

func summary(ctx context.Context, out io.Writer, st *store.Store, cfg *config.Centre, now time.Time, errors int64) error {
	day := cfg.Day(now)
	var issued, served, noShow, waiting int
	var waits []time.Duration
	var longest time.Duration
	for t, err := range st.Tickets(ctx, day, nextDay(day)) {
		if err != nil {
			return err
		}
		issued++
		switch {
		case t.Outcome == engine.Served:
			served++
		case t.Outcome == engine.NoShow:
			noShow++
		case t.State == engine.Waiting:
			waiting++
		}
		w := now.Sub(t.Issued)
		if !t.Called.IsZero() {
			w = t.Called.Sub(t.Issued)
			waits = append(waits, w)
		}
		longest = max(longest, w)
	}
	var sum time.Duration
	for _, w := range waits {
		sum += w
	}
	slices.Sort(waits)
	fmt.Fprintf(out, "\nSummary of %s\n", cfg.Day(now))
	fmt.Fprintf(out, "  issued   %d\n  served   %d\n  no-show  %d\n  waiting  %d at the end\n", issued, served, noShow, waiting)
	if len(waits) > 0 {
		fmt.Fprintf(out, "  wait     mean %s, p90 %s, longest %s (still waiting included)\n",
			minutes(sum/time.Duration(len(waits))), minutes(waits[len(waits)*9/10]), minutes(longest))
	}
	fmt.Fprintf(out, "  device errors %d\n", errors)
	return nil
}

// nextDay is the date after day, both "2006-01-02".
func nextDay(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return ""
	}
	return t.AddDate(0, 0, 1).Format(time.DateOnly)
}

func minutes(d time.Duration) string { return fmt.Sprintf("%.1f min", d.Minutes()) }
