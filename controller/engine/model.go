package engine

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/sothutu/sothutu/protocol"
)

// History is what earlier days teach the engine: service times per service
// and counter, and the arrivals through the day. The controller loads it
// from its store at start (store.History); the engine goes on learning from
// every ticket it handles, so a long-running engine needs none.
type History struct {
	ServiceTimes []ServiceTime
	Arrivals     []Arrivals
}

// ServiceTime is what history says of the time one service takes at one
// counter (Counter "" for the service at any counter): how long a counter is
// taken by a call, from the call to the end of the visit there (served, no
// show or transferred).
type ServiceTime struct {
	Service string
	Counter string
	N       int           // calls measured
	Mean    time.Duration // their mean
	SD      time.Duration // their standard deviation
}

// Arrivals is a service's mean number of tickets per slot of the local day,
// over the days of history.
type Arrivals struct {
	Service  string
	Priority bool
	// PerSlot[i] is the mean number of tickets issued from i×Slot after
	// local midnight to (i+1)×Slot.
	PerSlot [SlotsPerDay]float64
	Days    int
}

// Slot is the width of a slot of the arrival profile.
const (
	Slot        = 15 * time.Minute
	SlotsPerDay = int(24 * time.Hour / Slot)
)

// Learning constants.
const (
	statMemory   = 400 // calls: older ones fade out
	priorWeight  = 3   // calls the configured mean service time counts for
	counterPrior = 10  // calls a service's mean counts for at a counter
	defaultCV    = 0.6 // coefficient of variation of service times before any is measured
	rateMemory   = 30 * time.Minute
	profileDays  = 0.15 // weight of each new day in the arrival profile
)

// stat is an exponentially fading mean and variance, in seconds.
type stat struct {
	n, mean, v float64
}

func (s *stat) add(x float64) {
	s.n = min(s.n+1, statMemory)
	a := 1 / s.n
	d := x - s.mean
	s.mean += a * d
	s.v = (1 - a) * (s.v + a*d*d)
}

// model is what the engine learns and what its policy and predictor need
// beyond the queues: indexes of services and counters, service times,
// arrival rates.
type model struct {
	policy   Policy
	samples  int
	svc      map[string]int
	ctr      map[string]int
	ns, nc   int
	prior    []float64 // configured mean service time, seconds
	target   []time.Duration
	service  []stat       // per service
	at       []stat       // per service and counter: [s*nc+c]
	profile  [][2]profile // per service, per class (ordinary, priority)
	recent   [][2]rate
	lines    []Line // scratch
	replay   replay
	servers  []int // scratch: open counters per service
	location *time.Location

	// By index, refreshed when counters or their skills change.
	queues  []*queue
	cptr    []*Counter
	cskills [][]skillAt
}

// skillAt is a counter's skill by service index.
type skillAt struct{ s, level int }

// refreshModel indexes the queues, the counters and their skills; New,
// Restore and Reassign call it.
func (e *Engine) refreshModel() {
	m := &e.m
	m.queues = m.queues[:0]
	for _, s := range e.centre.Services {
		m.queues = append(m.queues, e.services[s.ID])
	}
	m.cptr = m.cptr[:0]
	m.cskills = m.cskills[:0]
	for _, cc := range e.centre.Counters {
		c := e.counters[cc.ID]
		m.cptr = append(m.cptr, c)
		var sk []skillAt
		if c != nil {
			for _, k := range c.Skills {
				if s, ok := m.svc[k.Service]; ok {
					sk = append(sk, skillAt{s, k.Level})
				}
			}
		}
		m.cskills = append(m.cskills, sk)
	}
}

// relearn indexes the restored state and learns from the restored day's
// tickets what the engine that committed them had learned during the day:
// the arrivals, in issue order, and the service times of the visits that
// ended, in the order they ended. Earlier days come from Options.History.
func (e *Engine) relearn() {
	e.refreshModel()
	m := &e.m
	var day []*Ticket
	for _, t := range e.tickets {
		if t.Day == e.day {
			day = append(day, t)
		}
	}
	slices.SortFunc(day, issueOrder)
	for _, t := range day {
		if q := e.numberedBy(t.Number); q != nil {
			if i, ok := m.svc[q.cfg.ID]; ok {
				m.arrived(i, t.priority(), t.Issued)
			}
		}
	}
	slices.SortFunc(day, func(a, b *Ticket) int {
		if c := a.Finished.Compare(b.Finished); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	for _, t := range day {
		if (t.Outcome == Served || t.Outcome == NoShow) && !t.Called.IsZero() {
			m.served(t.Service, t.Counter, t.Finished.Sub(t.Called))
		}
	}
}

// profile is a service's arrivals per slot: learned over days, and today's.
type profile struct {
	mean  [SlotsPerDay]float64
	today [SlotsPerDay]float64
	days  int
}

// rate is an exponentially fading arrival rate, per second.
type rate struct {
	r    float64
	last time.Time
}

func (r *rate) add(now time.Time) {
	r.r = r.at(now) + 1/rateMemory.Seconds()
	r.last = now
}

func (r *rate) at(now time.Time) float64 {
	if r.last.IsZero() {
		return 0
	}
	return r.r * math.Exp(-max(now.Sub(r.last).Seconds(), 0)/rateMemory.Seconds())
}

func (e *Engine) initModel(opts Options) {
	m := &e.m
	m.policy = opts.Policy
	if m.policy == nil {
		m.policy = NewBalance()
	}
	m.samples = opts.Samples
	if m.samples == 0 {
		m.samples = DefaultSamples
	}
	m.location = e.centre.Location
	if m.location == nil {
		m.location = time.UTC
	}
	m.ns, m.nc = len(e.centre.Services), len(e.centre.Counters)
	m.svc, m.ctr = map[string]int{}, map[string]int{}
	for i, s := range e.centre.Services {
		m.svc[s.ID] = i
		m.prior = append(m.prior, s.MeanService.Seconds())
		m.target = append(m.target, s.TargetWait)
	}
	for i, c := range e.centre.Counters {
		m.ctr[c.ID] = i
	}
	m.service = make([]stat, m.ns)
	m.at = make([]stat, m.ns*m.nc)
	m.profile = make([][2]profile, m.ns)
	m.recent = make([][2]rate, m.ns)
	m.servers = make([]int, m.ns)
	if opts.History != nil {
		e.Learn(opts.History)
	}
	e.refreshModel()
}

// Learn takes in history: service times replace what the engine learned of
// the same service and counter, arrival profiles replace the learned ones.
func (e *Engine) Learn(h *History) {
	m := &e.m
	for _, st := range h.ServiceTimes {
		s, ok := m.svc[st.Service]
		if !ok || st.N <= 0 || st.Mean <= 0 {
			continue
		}
		v := stat{n: min(float64(st.N), statMemory), mean: st.Mean.Seconds(), v: st.SD.Seconds() * st.SD.Seconds()}
		if st.Counter == "" {
			m.service[s] = v
		} else if c, ok := m.ctr[st.Counter]; ok {
			m.at[s*m.nc+c] = v
		}
	}
	for _, a := range h.Arrivals {
		s, ok := m.svc[a.Service]
		if !ok || a.Days <= 0 {
			continue
		}
		p := &m.profile[s][class(a.Priority)]
		p.mean, p.days = a.PerSlot, a.Days
	}
}

// ServiceTimes returns what the engine has learned of service times, per
// service and per service and counter.
func (e *Engine) ServiceTimes() []ServiceTime {
	m := &e.m
	var out []ServiceTime
	add := func(s, c string, st stat) {
		if st.n > 0 {
			out = append(out, ServiceTime{Service: s, Counter: c, N: int(st.n),
				Mean: seconds(st.mean), SD: seconds(math.Sqrt(st.v))})
		}
	}
	for i, s := range e.centre.Services {
		add(s.ID, "", m.service[i])
		for j, c := range e.centre.Counters {
			add(s.ID, c.ID, m.at[i*m.nc+j])
		}
	}
	return out
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func class(priority bool) int {
	if priority {
		return 1
	}
	return 0
}

// slot is the slot of the local day t falls in.
func (m *model) slot(t time.Time) int {
	t = t.In(m.location)
	return min((t.Hour()*60+t.Minute())/int(Slot/time.Minute), SlotsPerDay-1)
}

// arrived counts a new ticket of service s issued at t.
func (m *model) arrived(s int, priority bool, t time.Time) {
	c := class(priority)
	m.profile[s][c].today[m.slot(t)]++
	m.recent[s][c].add(t)
}

// newDay folds the day's arrivals into the profiles.
func (m *model) newDay() {
	for s := range m.profile {
		for c := range m.profile[s] {
			p := &m.profile[s][c]
			any := false
			for _, n := range p.today {
				if n > 0 {
					any = true
					break
				}
			}
			if !any && p.days == 0 {
				continue
			}
			w := max(profileDays, 1/float64(p.days+1))
			for i := range p.mean {
				p.mean[i] += w * (p.today[i] - p.mean[i])
			}
			p.today = [SlotsPerDay]float64{}
			p.days++
		}
	}
	for s := range m.recent {
		m.recent[s] = [2]rate{}
	}
}

// served learns the time counter c took for a visit of service s.
func (m *model) served(service, counter string, d time.Duration) {
	s, ok := m.svc[service]
	c, ok2 := m.ctr[counter]
	if !ok || !ok2 || d <= 0 || d > 4*time.Hour {
		return
	}
	m.service[s].add(d.Seconds())
	m.at[s*m.nc+c].add(d.Seconds())
}

// mean is the expected service time of service s at counter c (c < 0: at
// any counter), in seconds: what the counter took, shrunk towards the
// service's mean while it has served few, which itself starts from the
// configured mean.
func (m *model) mean(s, c int) float64 {
	st := &m.service[s]
	mean := (st.n*st.mean + priorWeight*m.prior[s]) / (st.n + priorWeight)
	if c < 0 {
		return mean
	}
	at := &m.at[s*m.nc+c]
	return (at.n*at.mean + counterPrior*mean) / (at.n + counterPrior)
}

// cv is the coefficient of variation of service s's service times.
func (m *model) cv(s int) float64 {
	st := &m.service[s]
	if st.n < 2 || st.mean <= 0 {
		return defaultCV
	}
	cv := math.Sqrt(st.v) / st.mean
	return (st.n*cv + priorWeight*defaultCV) / (st.n + priorWeight)
}

// remaining is the expected time left of a service of mean m (seconds) and
// coefficient of variation cv that has lasted a seconds so far, for
// lognormal service times: E[S | S > a] - a.
func remaining(m, cv, a float64) float64 {
	if a <= 0 {
		return m
	}
	s2 := math.Log1p(cv * cv)
	s := math.Sqrt(s2)
	mu := math.Log(m) - s2/2
	tail := func(x float64) float64 { return 0.5 * math.Erfc(x/math.Sqrt2) }
	z := (math.Log(a) - mu) / s
	den := tail(z)
	if den < 1e-9 {
		// Far beyond anything seen: assume a little more.
		return 0.1 * m
	}
	return max(m*tail(z-s)/den-a, 0.05*m)
}

// open reports whether a counter is taking calls.
func open(c *Counter) bool {
	return c.Status == protocol.CounterIdle || c.Status == protocol.CounterServing
}

// countServers fills m.servers with the open counters serving each service.
func (e *Engine) countServers() []int {
	m := &e.m
	clear(m.servers)
	for i, c := range m.cptr {
		if c == nil || !open(c) {
			continue
		}
		for _, k := range m.cskills[i] {
			m.servers[k.s]++
		}
	}
	return m.servers
}

// lines fills m.lines with what the policy sees of counter c at now.
func (e *Engine) lines(now time.Time, c *Counter) []Line {
	m := &e.m
	ci, ok := m.ctr[c.ID]
	if !ok {
		return nil
	}
	servers := e.countServers()
	ls := m.lines[:0]
	for _, sk := range m.cskills[ci] {
		s, q := sk.s, m.queues[sk.s]
		mean := seconds(m.mean(s, ci))
		for _, line := range [2][]*Ticket{q.priority, q.normal} {
			if len(line) == 0 {
				continue
			}
			h := line[0]
			ls = append(ls, Line{Service: s, Level: sk.level, Priority: h.priority(), Len: len(line),
				Waited: now.Sub(h.Arrived), ID: h.ID, Target: m.target[s], Mean: mean, Servers: servers[s],
				Promised: h.promised()})
		}
	}
	m.lines = ls
	return ls
}

// Lines returns the waiting lines counter id would choose from at now, as
// its policy sees them: what explains a call.
func (e *Engine) Lines(now time.Time, id string) []Line {
	c := e.counters[id]
	if c == nil {
		return nil
	}
	return slices.Clone(e.lines(now, c))
}

// Policy is the engine's policy.
func (e *Engine) Policy() Policy { return e.m.policy }

// pick asks the policy which waiting ticket counter c calls next.
func (e *Engine) pick(now time.Time, c *Counter) (*Ticket, Rule) {
	m := &e.m
	ls := e.lines(now, c)
	i, rule := m.policy.Pick(&Choice{PriorityRun: c.PriorityRun, MaxInRow: e.centre.Rules.PriorityMaxInRow, Lines: ls})
	if i < 0 || i >= len(ls) {
		return nil, ""
	}
	l := ls[i]
	q := m.queues[l.Service]
	if l.Priority {
		return q.priority[0], rule
	}
	return q.normal[0], rule
}

// issueOrder orders tickets by issue time, then by id for those issued in
// the same instant.
func issueOrder(a, b *Ticket) int {
	if c := a.Issued.Compare(b.Issued); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}
