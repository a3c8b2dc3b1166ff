package engine

import (
	"slices"
	"time"
)

// CounterDay is a counter's figures for the engine's day so far, for the
// manager's live view.
type CounterDay struct {
	Served      int
	MeanService time.Duration // from the last call to the end, over served tickets
}

// CountersDay returns every counter's figures for the day so far.
func (e *Engine) CountersDay() map[string]CounterDay {
	sums := map[string]time.Duration{}
	out := map[string]CounterDay{}
	for _, t := range e.tickets {
		if t.Day != e.day || t.Outcome != Served || t.Called.IsZero() {
			continue
		}
		d := out[t.Counter]
		d.Served++
		out[t.Counter] = d
		sums[t.Counter] += t.Finished.Sub(t.Called)
	}
	for id, d := range out {
		d.MeanService = sums[id] / time.Duration(d.Served)
		out[id] = d
	}
	return out
}

// Longest returns how many wait for a service and how long the first in
// line has waited, without the cost of predicting a wait.
func (e *Engine) Longest(service string, now time.Time) (waiting int, longest time.Duration) {
	q := e.services[service]
	if q == nil {
		return 0, 0
	}
	first := q.first()
	if first == nil {
		return 0, 0
	}
	return q.len(), max(now.Sub(first.Queued), 0)
}

// Skills returns the services a counter serves now, best level first.
func (e *Engine) Skills(counter string) []Skill {
	if c := e.counters[counter]; c != nil {
		return slices.Clone(c.Skills)
	}
	return nil
}

// Waiting returns copies of the tickets a counter could call now: those
// transferred to it by name, then those of its services, each line in
// calling order (legal priority first, then arrival), its services in the
// order of its levels.
func (e *Engine) Waiting(counter string) []Ticket {
	c := e.counters[counter]
	if c == nil {
		return nil
	}
	var out []Ticket
	for _, t := range e.direct[counter] {
		out = append(out, *t)
	}
	for _, sk := range c.Skills {
		q := e.services[sk.Service]
		if q == nil {
			continue
		}
		for _, l := range [][]*Ticket{q.priority, q.normal} {
			for _, t := range l {
				out = append(out, *t)
			}
		}
	}
	return out
}

// WaitingFor counts the tickets a counter could call now, as Waiting lists
// them, without copying them: for checks made after every command.
func (e *Engine) WaitingFor(counter string) int {
	c := e.counters[counter]
	if c == nil {
		return 0
	}
	n := len(e.direct[counter])
	for _, sk := range c.Skills {
		if q := e.services[sk.Service]; q != nil {
			n += q.len()
		}
	}
	return n
}

// Parked returns copies of the tickets parked at a counter, oldest call first.
func (e *Engine) Parked(counter string) []Ticket {
	var out []Ticket
	for _, t := range e.parked {
		if t.Counter == counter {
			out = append(out, *t)
		}
	}
	slices.SortFunc(out, func(a, b Ticket) int { return a.Called.Compare(b.Called) })
	return out
}
