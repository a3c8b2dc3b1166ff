package engine

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Line is one waiting line a counter may call from, as a policy sees it: the
// tickets of one service and one class (legal priority or not), in arrival
// order. A policy only ever calls the first ticket of a line, so within a
// service and a class the first to arrive is always the first called.
type Line struct {
	Service  int  // index of the service in the centre's configuration
	Level    int  // the counter's level for the service; 1 is a main one
	Priority bool // a line of legal-priority tickets
	Len      int  // tickets waiting in it
	// Waited is how long its first ticket has waited since it arrived
	// (arrival is kept across transfers); ID breaks ties, lower first.
	Waited time.Duration
	ID     int64
	Target time.Duration // the service's target wait
	// Mean is the expected service time of the service at this counter,
	// learned from history.
	Mean time.Duration
	// Servers is how many open counters serve the service, at any level.
	Servers int
	// Promised is the wait printed on the first ticket, while it is a
	// promise still to keep: 0 when none was printed or the ticket was
	// called or transferred since.
	Promised time.Duration
}

// Choice is what a policy decides: which line one counter calls from.
type Choice struct {
	// PriorityRun is how many legal-priority tickets the counter called in
	// a row; MaxInRow is Rules.PriorityMaxInRow.
	PriorityRun, MaxInRow int
	// Lines are the counter's lines with somebody waiting, in the order of
	// its skills (main services first), priority before ordinary within a
	// service.
	Lines []Line
}

// Rule names why a policy picked a line; it is written on the call's event
// so that every call can be explained to a citizen who saw another number
// called first.
type Rule string

// Rules of calls.
const (
	RuleTransferred Rule = "transferred" // transferred to this counter by name
	RuleArrival     Rule = "arrival"     // the first to arrive of the lines considered
	RulePriority    Rule = "priority"    // legal priority
	RulePriorityCap Rule = "priority_cap"
	RuleLevel       Rule = "level"     // the counter's main services first
	RuleThreshold   Rule = "threshold" // waited past its service's target
	RuleShortest    Rule = "shortest"  // shortest expected service first
	RuleScore       Rule = "score"     // the highest urgency score, see Balance
)

// Policy orders the calls: given one counter's lines, which one it calls
// from. It must decide from the Choice alone, deterministically: the wait
// predictor replays the policy forward to tell a citizen when their turn
// comes.
type Policy interface {
	Name() string
	// Pick returns the index in ch.Lines of the line whose first ticket
	// the counter calls, and the rule that decided; -1 calls nobody.
	Pick(ch *Choice) (int, Rule)
}

// DefaultPolicy is the name of the policy an Engine uses when its Options
// name none.
const DefaultPolicy = "balance"

// policies are the policies by name: the default, and the references it is
// measured against by the simulator (controller/sim).
var policies = map[string]func() Policy{
	"balance":      func() Policy { return NewBalance() },
	"dedicated":    func() Policy { return dedicated{} },
	"priority":     func() Policy { return strictPriority{} },
	"levels":       func() Policy { return levels{} },
	"longest-wait": func() Policy { return longestWait{} },
	"fcfs":         func() Policy { return fcfs{} },
	"shortest":     func() Policy { return shortest{} },
}

// ErrUnknownPolicy is returned by PolicyNamed for a name it does not know.
var ErrUnknownPolicy = errors.New("unknown policy")

// PolicyNamed returns a new policy by name; see Policies for the names.
func PolicyNamed(name string) (Policy, error) {
	if name == "" {
		name = DefaultPolicy
	}
	p, ok := policies[name]
	if !ok {
		return nil, fmt.Errorf("engine.PolicyNamed %q: %w; known: %v", name, ErrUnknownPolicy, Policies())
	}
	return p(), nil
}

// Policies lists the policies' names.
func Policies() []string {
	var out []string
	for n := range policies {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// before reports whether a's first ticket arrived before b's.
func before(a, b *Line) bool {
	if a.Waited != b.Waited {
		return a.Waited > b.Waited
	}
	return a.ID < b.ID
}

// earliest returns the line among ls, filtered by ok, whose first ticket
// arrived first, or -1.
func earliest(ls []Line, ok func(*Line) bool) int {
	best := -1
	for i := range ls {
		if (ok == nil || ok(&ls[i])) && (best < 0 || before(&ls[i], &ls[best])) {
			best = i
		}
	}
	return best
}

// legal is the centre's legal-priority rule, which every policy but
// strictPriority applies before its own ordering, among the lines ok
// accepts (nil: all): a priority ticket before ordinary ones, unless the
// counter called MaxInRow priority tickets in a row and an ordinary ticket
// waits. It returns the class to call from and the rule that chose it, if
// legal priority decided; any is false when no line is accepted.
func legal(ch *Choice, ok func(*Line) bool) (priority bool, rule Rule, any bool) {
	var prio, normal bool
	for i := range ch.Lines {
		l := &ch.Lines[i]
		if ok != nil && !ok(l) {
			continue
		}
		if l.Priority {
			prio = true
		} else {
			normal = true
		}
	}
	switch {
	case prio && (!normal || ch.PriorityRun < ch.MaxInRow):
		return true, RulePriority, true
	case prio:
		return false, RulePriorityCap, true
	}
	return false, "", normal
}

// pickBy applies the legal-priority rule among the lines ok accepts, then
// takes the best line of the class by better; rule names better.
func pickBy(ch *Choice, ok func(*Line) bool, better func(a, b *Line) bool, rule Rule) (int, Rule) {
	prio, why, any := legal(ch, ok)
	if !any {
		return -1, ""
	}
	best := -1
	for i := range ch.Lines {
		l := &ch.Lines[i]
		if l.Priority != prio || ok != nil && !ok(l) {
			continue
		}
		if best < 0 || better(l, &ch.Lines[best]) {
			best = i
		}
	}
	if why == "" {
		why = rule
	}
	return best, why
}

// fcfs calls, after legal priority, the ticket that arrived first among all
// the counter's services, whatever their level. On a centre where every
// counter serves every service it is the "pooled first come, first served"
// anchor.
type fcfs struct{}

func (fcfs) Name() string { return "fcfs" }
func (fcfs) Pick(ch *Choice) (int, Rule) {
	return pickBy(ch, nil, before, RuleArrival)
}

// dedicated calls only the counter's main (level 1) services, legal
// priority first, then first come, first served: counters dedicated to
// their services, the way most centres work without a system.
type dedicated struct{}

func (dedicated) Name() string { return "dedicated" }
func (dedicated) Pick(ch *Choice) (int, Rule) {
	return pickBy(ch, func(l *Line) bool { return l.Level <= 1 }, before, RuleArrival)
}

// strictPriority calls legal-priority tickets first, always, then by
// arrival, across all the counter's services: the "priority always first"
// that citizens complain of.
type strictPriority struct{}

func (strictPriority) Name() string { return "priority" }
func (strictPriority) Pick(ch *Choice) (int, Rule) {
	if i := earliest(ch.Lines, func(l *Line) bool { return l.Priority }); i >= 0 {
		return i, RulePriority
	}
	return earliest(ch.Lines, nil), RuleArrival
}

// levels is QSystem's per-counter service priority, and this engine's
// ordering before the balance policy: the counter's best level with anybody
// waiting; within it legal priority first, at most MaxInRow in a row while
// ordinary tickets wait; then arrival.
type levels struct{}

func (levels) Name() string { return "levels" }
func (levels) Pick(ch *Choice) (int, Rule) {
	best := 0
	for i := range ch.Lines {
		if best == 0 || ch.Lines[i].Level < best {
			best = ch.Lines[i].Level
		}
	}
	i, rule := pickBy(ch, func(l *Line) bool { return l.Level == best }, before, RuleArrival)
	if rule == RuleArrival && best > 1 {
		rule = RuleLevel
	}
	return i, rule
}

// longestWait is Qmatic's "longest waiting time" across the counter's
// services with a threshold override, after legal priority: a ticket that
// has waited past its service's target goes first, the furthest past
// first; otherwise the longest wait.
type longestWait struct{}

func (longestWait) Name() string { return "longest-wait" }
func (longestWait) Pick(ch *Choice) (int, Rule) {
	late := func(l *Line) time.Duration {
		if l.Target > 0 && l.Waited > l.Target {
			return l.Waited - l.Target
		}
		return 0
	}
	i, rule := pickBy(ch, nil, func(a, b *Line) bool {
		la, lb := late(a), late(b)
		if la != lb {
			return la > lb
		}
		return before(a, b)
	}, RuleArrival)
	if i >= 0 && rule == RuleArrival && late(&ch.Lines[i]) > 0 {
		rule = RuleThreshold
	}
	return i, rule
}

// shortest calls, after legal priority, the service with the shortest
// expected service time first, then by arrival. On a centre where every
// counter serves every service it is the "pooled shortest service first"
// anchor: the least mean wait, at the price of long waits for long
// services.
type shortest struct{}

func (shortest) Name() string { return "shortest" }
func (shortest) Pick(ch *Choice) (int, Rule) {
	return pickBy(ch, nil, func(a, b *Line) bool {
		if a.Mean != b.Mean {
			return a.Mean < b.Mean
		}
		return before(a, b)
	}, RuleShortest)
}
