package engine

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sothutu/sothutu/controller/config"
)

// Advice is a proposal to the centre's manager: move a counter to serve a
// service as its main one, because the service will miss its target while
// the counter has slack; or, Return, move it back to its configured
// services once the need has passed.
type Advice struct {
	Counter string
	Service string // the service to serve first; empty on Return
	Return  bool
	// Skills are the counter's services after the move, main one first:
	// what Reassign takes.
	Skills []Skill
	// Wait is the predicted wait of a ticket of Service taken now, and
	// After the same with the move made; Target is its target wait.
	Wait   time.Duration
	After  time.Duration
	Target time.Duration
	// Worst is the highest predicted wait over target, among the services
	// the counter served, after the move (1 is on target).
	Worst float64
}

// Advice thresholds, as shares of the target wait.
const (
	adviseMiss  = 1.0 // a service predicted past its target needs help
	adviseSlack = 0.5 // a counter whose services are all below this can help
	adviseBack  = 0.4 // a moved counter goes back when its new service is below this
	adviseGain  = 0.8 // a move must cut the predicted wait to at most this share
)

// ErrUnknownCounter is returned by Reassign for a counter not configured.
var ErrUnknownCounter = errors.New("unknown counter")

// Advise returns what the manager should do now, if anything: at most one
// move per service predicted to miss its target, the service furthest past
// it first, and the returns of moved counters no longer needed. Each
// prediction is a replay of the policy with expected service times.
func (e *Engine) Advise(now time.Time) []Advice {
	m := &e.m
	waits, pressure := e.pressures(now)
	var out []Advice
	// Returns first: a moved counter whose new main service is well below
	// its target, and whose configured services need it more.
	for i, cc := range e.centre.Counters {
		c := m.cptr[i]
		if c == nil || !open(c) || len(c.Skills) == 0 {
			continue
		}
		home := configured(cc.Services)
		if slices.Equal(c.Skills, home) {
			continue
		}
		s := m.svc[c.Skills[0].Service]
		if pressure[s] < adviseBack {
			out = append(out, Advice{Counter: c.ID, Return: true, Skills: home, Worst: pressure[s]})
		}
	}
	order := make([]int, 0, m.ns)
	for s := range m.ns {
		if pressure[s] > adviseMiss {
			order = append(order, s)
		}
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(pressure[b], pressure[a]) })
	moved := map[string]bool{}
	for _, a := range out {
		moved[a.Counter] = true
	}
	for _, s := range order {
		if a, ok := e.bestMove(now, s, waits[s], pressure, moved); ok {
			moved[a.Counter] = true
			out = append(out, a)
		}
	}
	return out
}

// configured is a counter's configured skills, main first.
func configured(cs []config.Skill) []Skill {
	out := make([]Skill, 0, len(cs))
	for _, s := range cs {
		out = append(out, Skill{Service: s.Service, Level: s.Level})
	}
	sortSkills(out)
	return out
}

// pressures predicts, for each service, the wait of an ordinary ticket
// taken now, and that wait over the service's target.
func (e *Engine) pressures(now time.Time) ([]time.Duration, []float64) {
	m := &e.m
	waits, pressure := make([]time.Duration, m.ns), make([]float64, m.ns)
	for s, q := range m.queues {
		_, waits[s] = e.predictN(now, q, nil, 0)
		pressure[s] = waits[s].Seconds() / max(m.target[s].Seconds(), 60)
	}
	return waits, pressure
}

// bestMove finds the counter with slack whose move to service s cuts its
// predicted wait (before) the most, keeping the counter's own services on
// target.
func (e *Engine) bestMove(now time.Time, s int, before time.Duration, pressure []float64, moved map[string]bool) (Advice, bool) {
	m := &e.m
	id := e.centre.Services[s].ID
	var best Advice
	found := false
	for i, c := range m.cptr {
		if c == nil || !open(c) || moved[c.ID] || len(c.Skills) > 0 && c.Skills[0].Service == id {
			continue
		}
		slack := true
		for _, k := range m.cskills[i] {
			slack = slack && pressure[k.s] <= adviseSlack
		}
		if !slack {
			continue
		}
		// The service first, then what it served, one level down.
		skills := []Skill{{Service: id, Level: 1}}
		for _, k := range c.Skills {
			if k.Service != id {
				skills = append(skills, Skill{Service: k.Service, Level: k.Level + 1})
			}
		}
		old := c.Skills
		c.Skills = skills
		e.refreshModel()
		_, after := e.predictN(now, m.queues[s], nil, 0)
		worst := 0.0
		for _, k := range m.cskills[i] {
			if k.s != s {
				_, w := e.predictN(now, m.queues[k.s], nil, 0)
				worst = max(worst, w.Seconds()/max(m.target[k.s].Seconds(), 60))
			}
		}
		c.Skills = old
		e.refreshModel()
		if float64(after) > adviseGain*float64(before) || worst > adviseMiss {
			continue
		}
		if !found || after < best.After || after == best.After && worst < best.Worst {
			best = Advice{Counter: c.ID, Service: id, Skills: skills, Wait: before, After: after, Target: m.target[s], Worst: worst}
			found = true
		}
	}
	return best, found
}

// Reassign gives a counter new services, main one first (the manager
// following an Advice); nil gives it back its configured ones. The change
// is recorded as a "reassigned" event and committed with the next Flush.
func (e *Engine) Reassign(now time.Time, counter string, skills []Skill) error {
	return e.ReassignBy(now, Actor{}, counter, skills)
}

// ReassignBy is Reassign on behalf of actor, whom the event names: a
// manager moving a counter from the centre's web pages.
func (e *Engine) ReassignBy(now time.Time, actor Actor, counter string, skills []Skill) error {
	c := e.counters[counter]
	cc, ok := e.centre.Counter(counter)
	if c == nil || !ok {
		return fmt.Errorf("engine.Reassign %s: %w", counter, ErrUnknownCounter)
	}
	if skills == nil {
		skills = configured(cc.Services)
	}
	for _, s := range skills {
		if e.services[s.Service] == nil {
			return fmt.Errorf("engine.Reassign %s: service %q: %w", counter, s.Service, ErrUnknownService)
		}
	}
	e.rollover(now)
	c.Skills = slices.Clone(skills)
	sortSkills(c.Skills)
	e.touchCounter(c)
	e.event(now, "reassigned", nil, c.ID, actor, skillNames(c.Skills))
	e.refreshModel()
	return nil
}

// skillNames writes skills as the "reassigned" event's detail: "A:1 C:2".
func skillNames(skills []Skill) string {
	var names []string
	for _, s := range skills {
		names = append(names, fmt.Sprintf("%s:%d", s.Service, s.Level))
	}
	return strings.Join(names, " ")
}

// ErrUnknownService is returned by Reassign for a service not configured.
var ErrUnknownService = errors.New("unknown service")
