package sim

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/controller/engine"
	"github.com/sothutu/sothutu/protocol"
)

// Options are one run: a scenario under a policy for some days.
type Options struct {
	Scenario *Scenario
	// Policy is an engine policy name (engine.Policies); "" is the default.
	Policy string
	// Pooled gives every counter every service: the anchors that ignore
	// counter skills.
	Pooled bool
	// Advice has a manager follow the engine's counter reassignment advice,
	// looking at it every AdviceEvery (default 10 minutes).
	Advice      bool
	AdviceEvery time.Duration
	Days        int
	// Seed fixes the citizens: the same seed gives the same citizens, with
	// the same service times, to every policy.
	Seed uint64
	// First is the first simulated day; the zero value is 2026-03-02.
	First time.Time
	// Impl, when set, is used instead of the named policy (for tuning).
	Impl engine.Policy
	// Predict prints waits as the engine does by default; otherwise the
	// tickets print none, which is quicker.
	Predict bool
}

// Visit is one citizen's day at the centre, as measured.
type Visit struct {
	Day      int
	Service  int // service index of the ticket as issued
	Priority bool
	Arrived  time.Duration // since local midnight
	Printed  time.Duration // wait printed on the ticket
	First    time.Duration // wait until first called
	Waited   time.Duration // all the time spent waiting, across transfers
	Served   bool          // false: no show
}

// Run is what a run measured.
type Run struct {
	Options  Options
	Policy   string
	Visits   []Visit
	Busy     time.Duration // counters' time taken by calls
	Open     time.Duration // counters' time open (sessions less breaks)
	Moves    int           // reassignments followed
	Services []string
	keys     int // idempotency keys used
}

// citizen is one arrival, drawn before any policy sees it.
type citizen struct {
	at       time.Duration
	service  int
	priority protocol.Priority
	z        [2]float64 // service time multipliers of the first and second visit
	noShow   bool
	transfer int // service to transfer to after the first visit, or -1

	// during the run
	number  string
	visit   int
	queued  time.Duration
	first   time.Duration
	waited  time.Duration
	printed time.Duration
	called  bool
	noShown bool
}

var priorities = []protocol.Priority{protocol.PriorityElderly, protocol.PriorityDisability, protocol.PriorityPregnant, protocol.PriorityYoungChild, protocol.PriorityVeteran}

// citizens draws day d's citizens.
func (s *Scenario) citizens(seed uint64, d int) []citizen {
	rng := rand.New(rand.NewPCG(seed, uint64(d)*0x9e3779b97f4a7c15+1))
	var total, share float64
	for _, sv := range s.Services {
		share += sv.Share
	}
	for _, se := range s.Sessions {
		total += s.integral(se)
	}
	base := float64(s.Tickets) / total // per second of weight
	peak := 1.0
	for _, p := range append(append([]Peak(nil), s.Peaks...), s.Surges...) {
		peak = max(peak, p.Factor)
	}
	peak *= peak // surges may stack on peaks
	var out []citizen
	for _, se := range s.Sessions {
		t := time.Duration(se.Open)
		for {
			t += time.Duration(rng.ExpFloat64() / (base * peak) * float64(time.Second))
			if t >= time.Duration(se.Close) {
				break
			}
			if rng.Float64()*peak > s.factor(t, true) {
				continue
			}
			c := citizen{at: t, transfer: -1}
			x := rng.Float64() * share
			for i, sv := range s.Services {
				c.service = i
				if x -= sv.Share; x < 0 {
					break
				}
			}
			if rng.Float64() < s.PriorityShare {
				c.priority = priorities[rng.IntN(len(priorities))]
			}
			for v := range c.z {
				cv := s.CV
				if sv := s.Services[c.service]; sv.CV > 0 && v == 0 {
					cv = sv.CV
				}
				c.z[v] = lognormal(rng, cv)
			}
			c.noShow = rng.Float64() < s.NoShow
			if rng.Float64() < s.TransferShare && len(s.Services) > 1 {
				c.transfer = (c.service + 1 + rng.IntN(len(s.Services)-1)) % len(s.Services)
			}
			out = append(out, c)
		}
	}
	return out
}

// lognormal draws a lognormal number of mean 1 and coefficient of variation cv.
func lognormal(rng *rand.Rand, cv float64) float64 {
	if cv <= 0 {
		return 1
	}
	s2 := math.Log1p(cv * cv)
	return math.Exp(-s2/2 + math.Sqrt(s2)*rng.NormFloat64())
}

// factor is the arrival rate multiplier at t: the peaks, and the surges if
// surges is set.
func (s *Scenario) factor(t time.Duration, surges bool) float64 {
	f := 1.0
	for _, p := range s.Peaks {
		if time.Duration(p.From) <= t && t < time.Duration(p.To) {
			f *= p.Factor
		}
	}
	if surges {
		for _, p := range s.Surges {
			if time.Duration(p.From) <= t && t < time.Duration(p.To) {
				f *= p.Factor
			}
		}
	}
	return f
}

// integral is the session's length in seconds weighted by the peaks (not
// the surges: they come on top of the day's tickets).
func (s *Scenario) integral(se Session) float64 {
	var sum float64
	for t := time.Duration(se.Open); t < time.Duration(se.Close); t += time.Minute {
		sum += s.factor(t, false) * 60
	}
	return sum
}

// Event kinds.
const (
	evOpen = iota
	evClose
	evArrive
	evDone
	evBreak
	evBack
	evAdvice
)

type event struct {
	at   time.Duration
	kind int
	i    int
	seq  int
}

// events is a min-heap of events by time, then by order of scheduling.
type events []event

func (h events) less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}

func (h *events) push(e event) {
	*h = append(*h, e)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *events) pop() event {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && s.less(l, m) {
			m = l
		}
		if r < n && s.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}

type counterState int

const (
	idle counterState = iota
	busy
	paused
)

type simCounter struct {
	id      string
	actor   engine.Actor
	speed   float64
	state   counterState
	current int // citizen
	since   time.Duration
	onBreak bool // a break is due or running
	noShow  bool // the current call goes unanswered
}

// day runs one day.
type day struct {
	r        *Run
	s        *Scenario
	e        *engine.Engine
	centre   *config.Centre
	date     time.Time
	d        int
	cs       []citizen
	counters []simCounter
	svcIndex map[string]int
	byNumber map[string]int
	ev       events
	seq      int
	skills   [][]bool // [counter][service]: serves it now
	kiosk    engine.Actor
	idle     []int // scratch
}

// Simulate runs the scenario under the options' policy.
func Simulate(o Options) (*Run, error) {
	s := o.Scenario
	if err := s.Check(); err != nil {
		return nil, err
	}
	if o.Days <= 0 {
		o.Days = 1
	}
	if o.AdviceEvery <= 0 {
		o.AdviceEvery = 10 * time.Minute
	}
	first := o.First
	if first.IsZero() {
		first = time.Date(2026, 3, 2, 0, 0, 0, 0, vietnam)
	}
	var policy engine.Policy
	if o.Impl != nil {
		policy = o.Impl
	} else {
		p, err := engine.PolicyNamed(o.Policy)
		if err != nil {
			return nil, fmt.Errorf("sim.Simulate: %w", err)
		}
		policy = p
	}
	centre := s.Centre(o.Pooled)
	samples := engine.Unpredicted
	if o.Predict {
		samples = 0
	}
	e := engine.New(engine.Options{Centre: centre, Secret: []byte("sim"), Policy: policy, Samples: samples})
	r := &Run{Options: o, Policy: policy.Name()}
	for _, sv := range s.Services {
		r.Services = append(r.Services, sv.ID)
	}
	svcIndex := map[string]int{}
	for i, sv := range s.Services {
		svcIndex[sv.ID] = i
	}
	for d := range o.Days {
		dy := &day{r: r, s: s, e: e, centre: centre, d: d, svcIndex: svcIndex,
			date:     first.AddDate(0, 0, d),
			cs:       s.citizens(o.Seed, d),
			byNumber: map[string]int{},
			kiosk:    engine.Actor{Device: "kiosk-1", Kind: protocol.DeviceKiosk}}
		dy.run()
	}
	return r, nil
}

func (dy *day) at(t time.Duration) time.Time { return dy.date.Add(t) }

func (dy *day) schedule(at time.Duration, kind, i int) {
	dy.seq++
	dy.ev.push(event{at: at, kind: kind, i: i, seq: dy.seq})
}

func (dy *day) do(t time.Duration, a engine.Actor, req protocol.Request) protocol.Reply {
	dy.r.keys++
	req.Key = strconv.Itoa(dy.r.keys)
	r := dy.e.Handle(dy.at(t), a, req)
	dy.e.Flush()
	return r
}

func (dy *day) run() {
	dy.setup()
	dy.scheduleDay()
	for len(dy.ev) > 0 {
		dy.handle(dy.ev.pop())
	}
	dy.end()
}

// setup makes the day's counters and what each serves.
func (dy *day) setup() {
	s := dy.s
	for _, cs := range s.Counters {
		speed := cs.Speed
		if speed == 0 {
			speed = 1
		}
		dy.counters = append(dy.counters, simCounter{id: cs.ID, speed: speed, current: -1,
			actor: engine.Actor{Device: "counter-" + cs.ID, Kind: protocol.DeviceCounter, Counter: cs.ID}})
	}
	dy.skills = make([][]bool, len(dy.counters))
	for i, c := range dy.centre.Counters {
		dy.skills[i] = make([]bool, len(s.Services))
		for _, sk := range c.Services {
			dy.skills[i][dy.svcIndex[sk.Service]] = true
		}
	}
}

// scheduleDay schedules the day's sessions, arrivals, breaks and outages,
// and the manager's looks at the advice, and counts the counters' open
// time.
func (dy *day) scheduleDay() {
	s := dy.s
	o := dy.r.Options
	for i, se := range s.Sessions {
		dy.schedule(time.Duration(se.Open), evOpen, i)
		dy.schedule(time.Duration(se.Close), evClose, i)
		for range dy.counters {
			dy.r.Open += time.Duration(se.Close - se.Open)
		}
	}
	for i := range dy.cs {
		dy.schedule(dy.cs[i].at, evArrive, i)
	}
	counterIndex := map[string]int{}
	for i, c := range dy.counters {
		counterIndex[c.id] = i
	}
	for _, b := range append(append([]Break(nil), s.Breaks...), s.Outages...) {
		k := counterIndex[b.Counter]
		dy.schedule(time.Duration(b.From), evBreak, k)
		dy.schedule(time.Duration(b.To), evBack, k)
		dy.r.Open -= time.Duration(b.To - b.From)
	}
	if o.Advice {
		for _, se := range s.Sessions {
			for t := time.Duration(se.Open) + o.AdviceEvery; t < time.Duration(se.Close); t += o.AdviceEvery {
				dy.schedule(t, evAdvice, 0)
			}
		}
	}
}

// handle plays one event.
func (dy *day) handle(ev event) {
	t := ev.at
	switch ev.kind {
	case evOpen:
		for k := range dy.counters {
			if dy.counters[k].state == idle {
				dy.callNext(t, k)
			}
		}
	case evClose:
		// No more arrivals; the counters serve whoever still waits.
	case evArrive:
		dy.arrive(t, ev.i)
	case evDone:
		dy.done(t, ev.i)
	case evBreak:
		c := &dy.counters[ev.i]
		c.onBreak = true
		if c.state == idle {
			dy.do(t, c.actor, protocol.Request{Op: protocol.OpPause})
			c.state, c.since = paused, t
		}
	case evBack:
		c := &dy.counters[ev.i]
		c.onBreak = false
		if c.state == paused {
			c.state = idle
			dy.callNext(t, ev.i)
		}
	case evAdvice:
		dy.advise(t)
	}
}

// arrive issues citizen i a ticket at the kiosk and lets an idle counter
// call.
func (dy *day) arrive(t time.Duration, i int) {
	c := &dy.cs[i]
	r := dy.do(t, dy.kiosk, protocol.Request{Op: protocol.OpTicket, Service: dy.s.Services[c.service].ID, Priority: c.priority})
	if !r.OK {
		panic(fmt.Sprintf("sim: issue refused: %+v", r.Error))
	}
	c.number, c.queued = r.Ticket.Number, t
	c.printed = time.Duration(r.Ticket.WaitSeconds) * time.Second
	dy.byNumber[c.number] = i
	dy.wake(t, c.service)
}

// end closes the day: whoever still waits is recorded, the counters are put
// back and the engine goes past midnight.
func (dy *day) end() {
	// Whoever is still waiting at the end of the day (nobody, normally)
	// counts as served at midnight.
	for i := range dy.cs {
		dy.record(i)
	}
	if dy.r.Options.Advice {
		// The manager puts every counter back for tomorrow.
		for _, c := range dy.counters {
			dy.e.Reassign(dy.at(24*time.Hour-time.Minute), c.id, nil)
		}
	}
	dy.e.Tick(dy.date.AddDate(0, 0, 1))
	dy.e.Flush()
}

// wake lets idle counters that serve service s call, longest idle first,
// until one takes a ticket.
func (dy *day) wake(t time.Duration, s int) {
	ks := dy.idle[:0]
	for i := range dy.counters {
		if dy.counters[i].state == idle && dy.skills[i][s] {
			ks = append(ks, i)
		}
	}
	slices.SortStableFunc(ks, func(a, b int) int { return cmp.Compare(dy.counters[a].since, dy.counters[b].since) })
	dy.idle = ks
	for _, k := range ks {
		if dy.callNext(t, k) {
			return
		}
	}
}

// callNext has counter k call next; it reports whether it got a ticket.
func (dy *day) callNext(t time.Duration, k int) bool {
	c := &dy.counters[k]
	r := dy.do(t, c.actor, protocol.Request{Op: protocol.OpCallNext})
	if !r.OK {
		panic(fmt.Sprintf("sim: call next refused: %+v", r.Error))
	}
	if r.Ticket == nil {
		if c.state != idle {
			c.state, c.since = idle, t
		}
		c.current = -1
		return false
	}
	i, ok := dy.byNumber[r.Ticket.Number]
	if !ok {
		panic("sim: called an unknown ticket " + r.Ticket.Number)
	}
	z := &dy.cs[i]
	if !z.called {
		z.called, z.first = true, t-z.at
	}
	z.waited += t - z.queued
	c.state, c.current, c.since = busy, i, t
	service := z.service
	if z.visit == 1 {
		service = z.transfer
	}
	c.noShow = z.noShow && z.visit == 0 && !z.noShown
	d := time.Duration(float64(dy.s.Services[service].Mean) * c.speed * z.z[z.visit])
	if c.noShow {
		d = time.Duration(dy.s.CallTimeout)
	}
	dy.r.Busy += d
	dy.schedule(t+d, evDone, k)
	return true
}

// done ends counter k's current call.
func (dy *day) done(t time.Duration, k int) {
	c := &dy.counters[k]
	z := &dy.cs[c.current]
	var woke = -1
	switch {
	case c.noShow:
		dy.do(t, c.actor, protocol.Request{Op: protocol.OpNoShow})
		z.noShown = true
	case z.visit == 0 && z.transfer >= 0:
		r := dy.do(t, c.actor, protocol.Request{Op: protocol.OpTransfer, ToService: dy.s.Services[z.transfer].ID})
		if !r.OK {
			panic(fmt.Sprintf("sim: transfer refused: %+v", r.Error))
		}
		z.visit, z.queued = 1, t
		woke = z.transfer
	case c.onBreak:
		dy.do(t, c.actor, protocol.Request{Op: protocol.OpComplete})
	}
	c.current, c.state, c.since = -1, idle, t
	if c.onBreak {
		dy.do(t, c.actor, protocol.Request{Op: protocol.OpPause})
		c.state = paused
	} else {
		dy.callNext(t, k) // completes the current ticket as served
	}
	if woke >= 0 {
		dy.wake(t, woke)
	}
}

// record adds citizen i's visit to the run.
func (dy *day) record(i int) {
	z := &dy.cs[i]
	if !z.called {
		z.first = 24*time.Hour - z.at
		z.waited += 24*time.Hour - z.queued
	}
	dy.r.Visits = append(dy.r.Visits, Visit{Day: dy.d, Service: z.service, Priority: z.priority != "",
		Arrived: z.at, Printed: z.printed, First: z.first, Waited: z.waited, Served: !z.noShown})
}
