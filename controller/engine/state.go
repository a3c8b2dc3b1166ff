package engine

import (
	"slices"
	"time"

	"github.com/sothutu/sothutu/protocol"
)

// CounterState is the published state of a counter.
func (e *Engine) CounterState(id string) protocol.CounterState {
	c := e.counters[id]
	s := protocol.CounterState{V: protocol.Version, Counter: id, Status: protocol.CounterClosed}
	if c == nil {
		return s
	}
	s.Status, s.Since = c.Status, c.Since
	if t := e.current(c); t != nil {
		s.Ticket, s.Service = t.Number, t.Service
	}
	for _, sk := range c.Skills {
		s.Services = append(s.Services, sk.Service)
	}
	s.Parked = e.parkedAt(id)
	return s
}

func (e *Engine) parkedAt(counter string) []string {
	var out []string
	for _, t := range e.parked {
		if t.Counter == counter {
			out = append(out, t.Number)
		}
	}
	slices.Sort(out)
	return out
}

// ServiceState is the published state of a service queue at now.
func (e *Engine) ServiceState(id string, now time.Time) protocol.ServiceState {
	s := protocol.ServiceState{V: protocol.Version, Service: id, At: now}
	q := e.services[id]
	if q == nil {
		return s
	}
	s.Prefix, s.Width = q.cfg.Prefix, q.cfg.Width
	s.Names = map[string]string{}
	for lang, name := range map[string]string{"vi": q.cfg.Name.VI, "en": q.cfg.Name.EN, "km": q.cfg.Name.KM} {
		if name != "" {
			s.Names[lang] = name
		}
	}
	s.Waiting = q.len()
	if first := q.first(); first != nil {
		s.LongestWaitSeconds = max(int(now.Sub(first.Queued)/time.Second), 0)
	}
	_, wait := e.estimate(now, q)
	s.WaitSeconds = int(wait / time.Second)
	s.Issued, s.Served = q.issued, q.served
	return s
}

// BoardState is the published state of the hall board.
func (e *Engine) BoardState(now time.Time) protocol.BoardState {
	b := protocol.BoardState{V: protocol.Version, At: now, Current: []protocol.Call{}, Recent: slices.Clone(e.recent)}
	if b.Recent == nil {
		b.Recent = []protocol.Call{}
	}
	for _, c := range e.counters {
		if t := e.current(c); t != nil {
			b.Current = append(b.Current, e.call(t))
		}
	}
	slices.SortFunc(b.Current, func(x, y protocol.Call) int { return y.At.Compare(x.At) })
	// The wire bounds each list; a centre with more serving counters shows
	// the latest calls.
	b.Current = b.Current[:min(len(b.Current), protocol.MaxBoardCalls)]
	return b
}

// Services lists the centre's service ids in configuration order.
func (e *Engine) Services() []string {
	out := make([]string, 0, len(e.centre.Services))
	for _, s := range e.centre.Services {
		out = append(out, s.ID)
	}
	return out
}

// Counters lists the centre's counter ids in configuration order.
func (e *Engine) Counters() []string {
	out := make([]string, 0, len(e.centre.Counters))
	for _, c := range e.centre.Counters {
		out = append(out, c.ID)
	}
	return out
}

// Ticket returns today's ticket with the number, if any.
func (e *Engine) Ticket(number string) (Ticket, bool) {
	t := e.byNumber[number]
	if t == nil {
		return Ticket{}, false
	}
	return *t, true
}

// Totals are counts over the engine's day, for the status endpoint.
type Totals struct {
	Day     string `json:"day"`
	Issued  int    `json:"issued"`
	Served  int    `json:"served"`
	Waiting int    `json:"waiting"`
}

// Totals counts today's tickets.
func (e *Engine) Totals() Totals {
	t := Totals{Day: e.day}
	for _, q := range e.services {
		t.Issued += q.issued
		t.Served += q.served
		t.Waiting += q.len()
	}
	return t
}
