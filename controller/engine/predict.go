package engine

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// The wait printed on a ticket is predicted by replaying the policy forward
// from the live state: the counters that are open finish their current
// citizens after the expected remaining time, then call by the same policy
// the engine uses, each call taking the expected service time of that
// service at that counter; citizens keep arriving at the rate this time of
// day usually sees (scaled by how busy today is so far), since a later
// citizen may be called first (legal priority, a counter's main service,
// a more urgent line). The prediction is when the new ticket is called.
//
// Chance decides much of a wait: how long the citizens ahead take, who
// comes in meanwhile. So the replay is run Samples times with service times
// and arrivals drawn (lognormal times, Poisson arrivals at the expected
// rates), and the printed wait is the middle of the outcomes: the median
// of the wait's distribution is the prediction with the least mean
// absolute error. The service times drawn are spread over the replays
// (Latin hypercube sampling: the k-th draw of the replays takes one value
// from each of as many equal slices of its distribution), so that a few
// replays give a steady median.

// horizon caps a replay.
const horizon = 6 * time.Hour

// A replay stops after maxSteps calls (the wait is then the simple
// fallback estimate); beyond maxSampledSteps the expected replay is used
// alone. Both keep an issue well under a millisecond however long the
// queues grow.
const (
	maxSteps        = 600
	maxSampledSteps = 150
	// maxWaiting is the most tickets waiting in the centre that a replay
	// starts from: beyond, the fallback estimate.
	maxWaiting = 400
)

// DefaultSamples is how many replays with drawn service times and arrivals
// the printed wait is the middle of: the median of the wait's distribution
// is the prediction with the least mean absolute error, and a replay with
// expected times overestimates short waits (the first of three busy
// counters frees up sooner than any one of them is expected to).
const DefaultSamples = 12

// A prediction draws more replays when they are short (a ticket near the
// front): as many as take about replayBudget calls together, up to
// maxSamples. A ticket far down a queue gets Samples: one replay costs
// more, and its wait, the sum of many service times, scatters less.
const (
	replayBudget = 1000
	maxSamples   = 32
)

// unknown marks an expected arrival not computed yet.
const unknown = time.Duration(-2)

// replayLine is one line in a replay: the tickets waiting now, by arrival,
// then the expected arrivals.
type replayLine struct {
	arrivals []time.Duration // of each waiting ticket, relative to now (<= 0)
	ids      []int64
	promised []time.Duration // the wait printed on each waiting ticket (Line.Promised)
	called   int             // how many of the waiting tickets are called: the first not yet called
	// expected is the next expected arrival; < 0 when none is expected
	// before the horizon.
	expected time.Duration
	// accrued counts the expected arrivals since the last one, towards the next.
	accrued float64
	// expectedID is the ticket id the next expected arrival gets.
	expectedID int64
	service    int
	priority   bool // the line's class
	// target is the index in arrivals of the ticket whose wait is
	// predicted, or -1.
	target int
	// recent is today's arrival rate in the line, per second, for a
	// service with no arrival profile yet.
	recent float64
	// drawn: the replay draws arrivals, and the first is still to draw.
	drawn bool
	// rates is the line's arrival rate per second in each slot from now to
	// the horizon, once a replay needed it (integrated); cumulative[k] the
	// arrivals expected before the k-th; into how far into its slot now is.
	rates, cumulative []float64
	into              time.Duration
	integrated        bool
}

// replaySkill is a service a counter serves in a replay.
type replaySkill struct {
	service, level int
	mean           time.Duration
}

// replayCounter is a counter in a replay.
type replayCounter struct {
	free        time.Duration // when it next calls, relative to now
	priorityRun int           // priority tickets called in a row
	skills      []replaySkill
	active      bool
	// The citizen at the counter now: the mean of their service, how long
	// it lasted so far, and the time the direct tickets add.
	currentMean, elapsed float64
	current              tail // their service time's distribution beyond elapsed
	direct               time.Duration
	// startFree and startPriorityRun are free and priorityRun when the
	// replay starts.
	startFree        time.Duration
	startPriorityRun int
}

// replay is a replay's scratch space, reused.
type replay struct {
	lines     []replayLine // [service*2+class]
	counters  []replayCounter
	choice    Choice
	variation []float64     // per service: the coefficient of variation of service times
	sigma     []float64     // per service: σ of the log of service times
	factor    float64       // today's arrivals over the usual
	slot      int           // the slot of the day now is in
	into      time.Duration // how far into it
	// lineOf is the line of each of choice's lines, sigmaOf the σ of its
	// service.
	lineOf  []int
	sigmaOf []float64
	random  *draws // drawing service times and arrivals, or nil for expected ones
	draws   draws
	samples []time.Duration
	heap    []int // counters by when they next call
	steps   int   // calls replayed
}

// admit counts a new ticket's arrival for the learned arrival rates and
// predicts how many are ahead of it in its service and how long it waits.
func (e *Engine) admit(now time.Time, q *queue, t *Ticket) (int, time.Duration) {
	if s, ok := e.m.svc[q.cfg.ID]; ok {
		e.m.arrived(s, t.priority(), t.Issued)
	}
	return e.predict(now, q, t)
}

// estimate predicts the wait of a new ordinary ticket of q taken now, for
// the service's published state: one replay with expected times.
func (e *Engine) estimate(now time.Time, q *queue) (int, time.Duration) {
	if e.m.samples == Unpredicted {
		return e.ahead(q, nil, now), 0
	}
	return e.predictN(now, q, nil, 0)
}

// predict returns how many tickets of q are ahead of t (nil: a new ordinary
// ticket taken now) and when it will be called, by replay.
func (e *Engine) predict(now time.Time, q *queue, t *Ticket) (int, time.Duration) {
	if e.m.samples == Unpredicted {
		return e.ahead(q, t, now), 0
	}
	return e.predictN(now, q, t, e.m.samples)
}

// Unpredicted, as Options.Samples, prints no wait on tickets (zero): for
// simulations of policies whose printed waits nobody looks at.
const Unpredicted = -1 << 20

// ahead counts the tickets of q ahead of t (nil: a new ordinary ticket
// taken now) in its own line and, for an ordinary ticket, the priority one.
func (e *Engine) ahead(q *queue, t *Ticket, now time.Time) int {
	priority, arrived, id := false, now, e.nextID
	if t != nil {
		priority, arrived, id = t.priority(), t.Arrived, t.ID
	}
	last := func(l []*Ticket) bool { return len(l) == 0 || earlierThan(l[len(l)-1], arrived, id) }
	if last(q.priority) && last(q.normal) {
		// The latest arrival, as every ticket issued online is.
		if priority {
			return len(q.priority)
		}
		return len(q.priority) + len(q.normal)
	}
	ahead := 0
	for _, x := range q.priority {
		if earlierThan(x, arrived, id) {
			ahead++
		}
	}
	if !priority {
		for _, x := range q.normal {
			if earlierThan(x, arrived, id) {
				ahead++
			}
		}
	}
	return ahead
}

// predictN is predict with n replays of drawn service times (n <= 0: one
// with expected times).
func (e *Engine) predictN(now time.Time, q *queue, t *Ticket, n int) (int, time.Duration) {
	m := &e.m
	service, ok := m.svc[q.cfg.ID]
	if !ok {
		return 0, 0
	}
	priority, arrived, id := false, now, e.nextID
	if t != nil {
		priority, arrived, id = t.priority(), t.Arrived, t.ID
	}
	ahead := e.ahead(q, t, now)
	waiting := 0
	for _, q := range m.queues {
		waiting += q.len()
	}
	if waiting > maxWaiting {
		return ahead, e.fallback(q, ahead)
	}
	r := &m.replay
	e.setupReplay(now, service, priority, arrived, id)
	d := e.runReplay(r, nil)
	switch {
	case d < 0:
		return ahead, e.fallback(q, ahead)
	case d == 0 || n <= 0 || r.steps > maxSampledSteps:
		// Called at once: a counter is free for it now. Or far down a
		// long queue, where chance evens out and drawing would cost.
		return ahead, d.Round(time.Second)
	}
	// Short replays are cheap: as many as fit in the budget.
	n = max(n, min(replayBudget/max(r.steps, 1), maxSamples))
	ds := r.samples[:0]
	r.random = &r.draws
	r.draws.start(uint64(id), n)
	for i := range n {
		r.draws.replay(i)
		e.resetReplay(r)
		if d := e.runReplay(r, r.random); d >= 0 {
			ds = append(ds, d)
		}
	}
	r.random, r.samples = nil, ds
	if len(ds) == 0 {
		return ahead, e.fallback(q, ahead)
	}
	return ahead, middle(ds).Round(time.Second)
}

// middle is the median of ds, steadied: the mean of the middle half. It
// sorts ds.
func middle(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	n := len(ds)
	k := max(n/2, 1)
	if (n-k)%2 != 0 {
		k++
	}
	var sum time.Duration
	for _, d := range ds[(n-k)/2 : (n+k)/2] {
		sum += d
	}
	return sum / time.Duration(k)
}

func earlierThan(x *Ticket, arrived time.Time, id int64) bool {
	if c := x.Arrived.Compare(arrived); c != 0 {
		return c < 0
	}
	return x.ID < id
}

// setupReplay fills the replay from the live state, with the ticket to
// predict (service, class priority, arrival, id) in its line.
func (e *Engine) setupReplay(now time.Time, service int, priority bool, arrived time.Time, id int64) {
	m := &e.m
	r := &m.replay
	r.slot = m.slot(now)
	local := now.In(m.location)
	r.into = time.Duration(local.Minute()%int(Slot/time.Minute))*time.Minute +
		time.Duration(local.Second())*time.Second + time.Duration(local.Nanosecond())
	if cap(r.lines) < 2*m.ns {
		r.lines = make([]replayLine, 2*m.ns)
	}
	r.lines = r.lines[:2*m.ns]
	r.factor = e.busyFactor(now)
	r.variation, r.sigma = r.variation[:0], r.sigma[:0]
	for i, q := range m.queues {
		variation := m.cv(i)
		r.variation = append(r.variation, variation)
		r.sigma = append(r.sigma, math.Sqrt(math.Log1p(variation*variation)))
		for c, tickets := range [2][]*Ticket{q.normal, q.priority} {
			l := &r.lines[i*2+c]
			e.setupLine(l, now, i, c, tickets)
			if i == service && l.priority == priority {
				l.insertTarget(arrived.Sub(now), id)
			}
		}
	}
	servers := e.countServers()
	r.counters = r.counters[:0]
	canServe := false
	for index, c := range m.cptr {
		if c != nil && open(c) {
			canServe = e.addReplayCounter(now, index, c, service) || canServe
		}
	}
	if !canServe {
		// Nobody open serves it: count on the counters that do, from now.
		for index, c := range m.cptr {
			if c != nil && !open(c) && slices.ContainsFunc(m.cskills[index], func(k skillAt) bool { return k.s == service }) {
				e.addReplayCounter(now, index, c, service)
			}
		}
		clear(servers)
		for i := range r.counters {
			for _, k := range r.counters[i].skills {
				servers[k.service]++
			}
		}
	}
	e.resetReplay(r)
}

// setupLine fills l with the tickets waiting now in one line, class c of
// service.
func (e *Engine) setupLine(l *replayLine, now time.Time, service, c int, tickets []*Ticket) {
	l.arrivals, l.ids, l.promised = l.arrivals[:0], l.ids[:0], l.promised[:0]
	l.service, l.priority, l.target = service, c == 1, -1
	l.recent = e.m.recent[service][c].at(now)
	l.integrated = false
	for _, x := range tickets {
		l.arrivals = append(l.arrivals, x.Arrived.Sub(now))
		l.ids = append(l.ids, x.ID)
		l.promised = append(l.promised, x.promised())
	}
}

// insertTarget puts the ticket whose wait is predicted in its place in l,
// by arrival then id.
func (l *replayLine) insertTarget(arrival time.Duration, id int64) {
	k, _ := slices.BinarySearch(l.arrivals, arrival)
	for k < len(l.arrivals) && l.arrivals[k] == arrival && l.ids[k] < id {
		k++
	}
	l.arrivals = slices.Insert(l.arrivals, k, arrival)
	l.ids = slices.Insert(l.ids, k, id)
	// Its own wait is still to print: the replays keep no promise for it,
	// nor for the citizens still to come.
	l.promised = slices.Insert(l.promised, k, 0)
	l.target = k
}

// addReplayCounter adds counter c, the index-th of the model, to the
// replay, and reports whether it serves service.
func (e *Engine) addReplayCounter(now time.Time, index int, c *Counter, service int) bool {
	m := &e.m
	r := &m.replay
	var rc replayCounter
	if len(r.counters) < cap(r.counters) {
		rc = r.counters[:len(r.counters)+1][len(r.counters)]
	}
	serves := false
	rc.skills = rc.skills[:0]
	rc.priorityRun = c.PriorityRun
	for _, k := range m.cskills[index] {
		rc.skills = append(rc.skills, replaySkill{service: k.s, level: k.level, mean: seconds(m.mean(k.s, index))})
		serves = serves || k.s == service
	}
	// Tickets transferred to this counter by name come first.
	rc.direct = 0
	for _, x := range e.direct[c.ID] {
		if xs, ok := m.svc[x.Service]; ok {
			rc.direct += seconds(m.mean(xs, index))
		}
	}
	free := time.Duration(0)
	rc.currentMean = 0
	if t := e.current(c); t != nil {
		if ts, ok := m.svc[t.Service]; ok {
			variation := r.variation[ts]
			rc.currentMean, rc.elapsed = m.mean(ts, index), now.Sub(t.Called).Seconds()
			free = seconds(remaining(rc.currentMean, variation, rc.elapsed))
			rc.current = tailOf(rc.currentMean, variation, rc.elapsed)
		}
	}
	rc.startFree, rc.startPriorityRun = free+rc.direct, rc.priorityRun
	r.counters = append(r.counters, rc)
	return serves
}

// busyPrior is how many arrivals the usual counts for in busyFactor, so
// that a few arrivals more or less do not swing the predictions.
const busyPrior = 10

// busyFactor is how today's arrivals over the last hour compare with the
// usual for that hour.
func (e *Engine) busyFactor(now time.Time) float64 {
	m := &e.m
	r := &m.replay
	end := r.slot
	from := max(end-int(time.Hour/Slot), 0)
	part := float64(r.into) / float64(Slot) // of the current slot, gone
	var seen, usual float64
	for s := range m.profile {
		for c := range m.profile[s] {
			p := &m.profile[s][c]
			if p.days == 0 {
				continue
			}
			for i := from; i < end; i++ {
				seen += p.today[i]
				usual += p.mean[i]
			}
			seen += p.today[end]
			usual += part * p.mean[end]
		}
	}
	if usual == 0 {
		return 1
	}
	return min(max((seen+busyPrior)/(usual+busyPrior), 0.5), 2)
}

// rateAt is the expected arrivals per second in line l at now+d.
func (e *Engine) rateAt(l *replayLine, d time.Duration) float64 {
	m := &e.m
	r := &m.replay
	p := &m.profile[l.service][class(l.priority)]
	if p.days == 0 {
		return l.recent
	}
	slot := (r.slot + int((r.into+d)/Slot)) % SlotsPerDay
	return p.mean[slot] / Slot.Seconds() * r.factor
}

// nextArrival returns when the next expected arrival after d comes in line
// l, or -1 when none comes before the horizon.
func (e *Engine) nextArrival(l *replayLine, d time.Duration) time.Duration {
	r := &e.m.replay
	if l.drawn {
		// Poisson arrivals: the first after an exponential gap too.
		l.accrued, l.drawn = 1-r.random.exp(), false
	}
	if !l.integrated {
		e.integrate(l)
	}
	// The expected arrivals from now to d, and the count to reach.
	k := int((r.into + d) / Slot)
	if d < 0 || k >= len(l.rates) {
		return -1
	}
	x := l.cumulative[k] + l.rates[k]*(d-l.bound(k)).Seconds() + 1 - l.accrued
	for j := k; j < len(l.rates); j++ {
		if l.rates[j] > 0 && l.cumulative[j+1] >= x {
			l.accrued = 0
			if r.random != nil {
				// Poisson arrivals: exponential gaps, in expected arrivals.
				l.accrued = 1 - r.random.exp()
			}
			return l.bound(j) + seconds((x-l.cumulative[j])/l.rates[j])
		}
	}
	return -1
}

// integrate fills l's arrival rate in each slot to the horizon and the
// arrivals expected from now to the start of each: the same for every
// replay of a prediction.
func (e *Engine) integrate(l *replayLine) {
	r := &e.m.replay
	l.rates, l.cumulative = l.rates[:0], append(l.cumulative[:0], 0)
	l.into, l.integrated = r.into, true
	for k := 0; l.bound(k) < horizon; k++ {
		rate := e.rateAt(l, l.bound(k))
		l.rates = append(l.rates, rate)
		l.cumulative = append(l.cumulative, l.cumulative[k]+rate*(l.bound(k+1)-l.bound(k)).Seconds())
	}
}

// bound is when the k-th slot from now starts, relative to now (0 for the
// one now is in).
func (l *replayLine) bound(k int) time.Duration {
	if k == 0 {
		return 0
	}
	return time.Duration(k)*Slot - l.into
}

// resetReplay restores the replay's state after setupReplay.
func (e *Engine) resetReplay(r *replay) {
	for i := range r.lines {
		l := &r.lines[i]
		l.called, l.accrued, l.expectedID = 0, 0.5, math.MaxInt64/2
		l.drawn = r.random != nil
		l.expected = unknown
	}
	for i := range r.counters {
		c := &r.counters[i]
		c.free, c.priorityRun, c.active = c.startFree, c.startPriorityRun, true
	}
}

// tail is a lognormal distribution of mean m and coefficient of variation
// cv conditioned on exceeding a: the service time of a citizen at a counter
// for a seconds already.
type tail struct {
	mu, s, lo float64 // the log's mean and deviation; the share below a
}

func tailOf(m, cv, a float64) tail {
	s2 := math.Log1p(cv * cv)
	t := tail{mu: math.Log(m) - s2/2, s: math.Sqrt(s2)}
	if a > 0 {
		t.lo = 0.5 * math.Erfc(-(math.Log(a)-t.mu)/t.s/math.Sqrt2)
	}
	return t
}

// draw draws from t by inverting its distribution function.
func (t *tail) draw(random *draws) float64 {
	u := t.lo + (1-t.lo)*random.uniform()
	u = min(max(u, 1e-12), 1-1e-12)
	return math.Exp(t.mu + t.s*math.Sqrt2*math.Erfinv(2*u-1))
}

// runReplay replays the policy until the target ticket is called and
// returns when, or -1 if it is not called before the horizon. With random,
// service times are drawn rather than expected.
func (e *Engine) runReplay(r *replay, random *draws) time.Duration {
	if random != nil {
		r.drawCurrent(random)
	}
	choice := &r.choice
	choice.MaxInRow = e.centre.Rules.PriorityMaxInRow
	r.steps = 0
	r.startHeap()
	for ; r.steps < maxSteps; r.steps++ {
		if len(r.heap) == 0 {
			return -1
		}
		c := &r.counters[r.heap[0]]
		now := c.free
		if now > horizon {
			return -1
		}
		wake := e.offer(r, c, now)
		if len(choice.Lines) == 0 {
			r.sleep(c, wake, wake)
			continue
		}
		choice.PriorityRun = c.priorityRun
		i, _ := e.m.policy.Pick(choice)
		if i < 0 {
			// The policy leaves the counter idle: wait for an arrival.
			r.sleep(c, wake, max(wake, now+time.Minute))
			continue
		}
		l := &r.lines[r.lineOf[i]]
		if e.callFrom(l) {
			return now
		}
		if l.priority {
			c.priorityRun++
		} else {
			c.priorityRun = 0
		}
		c.free = now + serviceTime(choice.Lines[i].Mean, r.sigmaOf[i], random)
		r.down(0)
	}
	return -1
}

// drawCurrent draws when each counter's citizen now leaves.
func (r *replay) drawCurrent(random *draws) {
	for i := range r.counters {
		c := &r.counters[i]
		if c.currentMean > 0 {
			c.free = c.direct + seconds(c.current.draw(random)-c.elapsed)
		}
	}
}

// startHeap puts the active counters in the heap by when they next call
// (the lowest index first among equals): a heap, as a replay takes
// hundreds of calls.
func (r *replay) startHeap() {
	h := r.heap[:0]
	for i := range r.counters {
		if r.counters[i].active {
			h = append(h, i)
		}
	}
	r.heap = h
	for i := len(h)/2 - 1; i >= 0; i-- {
		r.down(i)
	}
}

// offer fills the replay's choice with the lines counter c may call from
// at now, priority line first for each of its services, and returns the
// next expected arrival in its lines that offer nobody yet, -1 when none.
func (e *Engine) offer(r *replay, c *replayCounter, now time.Duration) (wake time.Duration) {
	m := &e.m
	choice := &r.choice
	choice.Lines, r.lineOf, r.sigmaOf = choice.Lines[:0], r.lineOf[:0], r.sigmaOf[:0]
	wake = -1
	for _, skill := range c.skills {
		for _, class := range [2]int{1, 0} {
			index := skill.service*2 + class
			l := &r.lines[index]
			arrival, id, promised, n := e.head(l, now)
			if n == 0 {
				if l.expected >= 0 && (wake < 0 || l.expected < wake) {
					wake = l.expected
				}
				continue
			}
			choice.Lines = append(choice.Lines, Line{Service: skill.service, Level: skill.level, Priority: class == 1, Len: n,
				Waited: now - arrival, ID: id, Target: m.target[skill.service], Mean: skill.mean,
				Servers: m.servers[skill.service], Promised: promised})
			r.lineOf = append(r.lineOf, index)
			r.sigmaOf = append(r.sigmaOf, r.sigma[skill.service])
		}
	}
	return wake
}

// head is the first ticket of line l a counter may call at now: its
// arrival, id, the wait printed on it, and how many wait in the line; n is
// 0 when nobody waits by now.
func (e *Engine) head(l *replayLine, now time.Duration) (arrival time.Duration, id int64, promised time.Duration, n int) {
	if n := len(l.arrivals) - l.called; n > 0 {
		return l.arrivals[l.called], l.ids[l.called], l.promised[l.called], n
	}
	if l.expected == unknown {
		l.expected = e.nextArrival(l, 0)
	}
	if l.expected >= 0 && l.expected <= now {
		return l.expected, l.expectedID, 0, 1
	}
	return 0, 0, 0, 0
}

// callFrom calls the first ticket of line l, and reports whether it is the
// target.
func (e *Engine) callFrom(l *replayLine) bool {
	if l.called < len(l.arrivals) {
		if l.called == l.target {
			return true
		}
		l.called++
		return false
	}
	l.expectedID++
	l.expected = e.nextArrival(l, l.expected)
	return false
}

// serviceTime is how long a call of mean service time takes: the mean
// itself, or with random a lognormal draw of spread sigma.
func serviceTime(mean time.Duration, sigma float64, random *draws) time.Duration {
	if random == nil {
		return mean
	}
	// A lognormal of mean 1: exp(-σ²/2 + σN).
	return time.Duration(float64(mean) * math.Exp(sigma*(random.normal()-sigma/2)))
}

// sleep puts counter c, the first in the heap, off until at, or out of the
// replay when no arrival will wake it (wake < 0).
func (r *replay) sleep(c *replayCounter, wake, at time.Duration) {
	if wake < 0 {
		c.active = false
		r.pop()
		return
	}
	c.free = at
	r.down(0)
}

// sooner reports whether counter a calls before counter b in a replay.
func (r *replay) sooner(a, b int) bool {
	fa, fb := r.counters[a].free, r.counters[b].free
	return fa < fb || fa == fb && a < b
}

// down restores the heap of counters below i, after i's counter got a
// later call.
func (r *replay) down(i int) {
	h := r.heap
	for {
		j := 2*i + 1
		if j >= len(h) {
			return
		}
		if j+1 < len(h) && r.sooner(h[j+1], h[j]) {
			j++
		}
		if !r.sooner(h[j], h[i]) {
			return
		}
		h[i], h[j] = h[j], h[i]
		i = j
	}
}

// pop removes the first counter from the heap.
func (r *replay) pop() {
	n := len(r.heap) - 1
	r.heap[0] = r.heap[n]
	r.heap = r.heap[:n]
	r.down(0)
}

// fallback is the estimate when the replay cannot tell or the queues are
// too long to replay: the people ahead, times the service's mean, shared
// among the counters that serve it, a counter at level n counting for 1/n.
func (e *Engine) fallback(q *queue, ahead int) time.Duration {
	var capacity float64
	for _, c := range e.counters {
		for _, s := range c.Skills {
			if s.Service == q.cfg.ID {
				capacity += 1 / float64(max(s.Level, 1))
			}
		}
	}
	if capacity == 0 {
		return 0
	}
	mean := q.cfg.MeanService
	if s, ok := e.m.svc[q.cfg.ID]; ok {
		mean = seconds(e.m.mean(s, -1))
	}
	return time.Duration(float64(ahead) * float64(mean) / capacity).Round(time.Second)
}

// draws are the random numbers of n replays, by Latin hypercube sampling:
// the k-th uniform draw of the n replays takes one value in each of the n
// slices [j/n, (j+1)/n), in a random order. Each draw is still uniform, but
// the replays together cover every part of its range, which steadies the
// middle of their outcomes more than n independent replays would.
type draws struct {
	src  rand.PCG
	rng  *rand.Rand
	n, i int       // replays, and the one running
	cols []float64 // cols[k*n+i]: the k-th draw of replay i
	k    int       // draws taken in this replay
}

// start prepares n replays, drawn from seed.
func (d *draws) start(seed uint64, n int) {
	if d.rng == nil {
		d.rng = rand.New(&d.src)
	}
	d.src.Seed(seed, 7)
	d.n, d.cols = n, d.cols[:0]
}

// replay starts replay i.
func (d *draws) replay(i int) { d.i, d.k = i, 0 }

// uniform is a uniform draw in [0, 1).
func (d *draws) uniform() float64 {
	if d.k*d.n >= len(d.cols) {
		// The first replay to need a k-th draw draws it for all.
		col := len(d.cols)
		for j := range d.n {
			d.cols = append(d.cols, (float64(j)+d.rng.Float64())/float64(d.n))
		}
		c := d.cols[col:]
		d.rng.Shuffle(len(c), func(a, b int) { c[a], c[b] = c[b], c[a] })
	}
	u := d.cols[d.k*d.n+d.i]
	d.k++
	return u
}

// normal is a standard normal draw.
func (d *draws) normal() float64 {
	u := min(max(d.uniform(), 1e-12), 1-1e-12)
	return math.Sqrt2 * math.Erfinv(2*u-1)
}

// exp is an exponential draw of mean 1, for the gaps between arrivals:
// independent, not spread like the others, as a replay takes many and
// spreading them gained nothing measurable.
func (d *draws) exp() float64 { return d.rng.ExpFloat64() }
