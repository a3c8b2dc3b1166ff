package engine

import (
	"math"
	"time"
)

// Balance is the default policy. It keeps every service near its target
// wait rather than calling strictly by arrival, so that counters shared
// between services go where they are needed most:
//
//  1. Legal priority first: a priority ticket is called before ordinary
//     ones, unless the counter called MaxInRow priority tickets in a row
//     and an ordinary ticket waits.
//
//  2. A line whose first ticket waited more than Late times its target,
//     or more than LateAfter, before the others; among such lines, and
//     among all the lines when every one waited more than Overload times
//     its target, the furthest past Past times its target, leaning a
//     little to quick services: the lead is divided by (Mean of the
//     line)^LateShort.
//
//  3. Among the lines left, the highest urgency score
//
//     (waited + Slack + Keep × due) / target × Level[level] × (Mean of the line)^-Short × Servers^-Flex
//
//     where waited counts from arrival (kept across transfers): a line is
//     urgent when its first ticket has used much of its service's target, a
//     counter leans to its main services, to services it serves quickly,
//     and to services few other open counters can serve. due is how long
//     the first ticket has waited beyond KeepBefore ahead of the wait
//     printed on it (0 before), when that wait is within the target: a
//     ticket nearing its printed wait is hurried, so that the wait printed
//     is the wait kept. A ticket printed a wait beyond its target goes by
//     its target alone.
//
//  4. Ties by arrival.
//
// The score and the lead grow without bound with the wait, so no service
// starves. Rule 2 is for the tail: once citizens wait far beyond targets
// (a surge), the score's lean to quick services would leave the citizens
// of long services at the back for good.
type Balance struct {
	Slack time.Duration
	Level []float64 // weight by level, from level 1; the last one for levels beyond
	Short float64
	Flex  float64
	// Late, when above 0, calls first a line whose first ticket waited
	// more than Late times its target, or more than LateAfter when that is
	// set: rule 2.
	Late      float64
	LateAfter time.Duration
	// Past orders the late lines by how far past Past times their target
	// they are; 0 is Late. LateShort leans that order to quick services.
	Past      float64
	LateShort float64
	// Overload, when above 0, orders all the lines as late ones when each
	// waited more than Overload times its target.
	Overload float64
	// Keep weighs how long a line's first ticket waited beyond KeepBefore
	// ahead of the wait printed on it, in rule 3; 0 ignores printed waits.
	Keep       float64
	KeepBefore time.Duration

	// powers remembers the powers of the means seen lately: the
	// predictor replays the policy thousands of times per ticket over the
	// same few means, and math.Pow would be most of its time. A Balance so
	// belongs to one Engine at a time (NewBalance for each).
	powers  [1024]power
	npowers int
}

type power struct {
	mean time.Duration // 0: an empty slot
	y, v float64
}

// powMean is (mean in minutes)^y, for a mean above 0.
func (b *Balance) powMean(mean time.Duration, y float64) float64 {
	switch y {
	case 0, -0.25, -0.5, -1:
		return pow(mean.Minutes(), y)
	}
	n := uint64(len(b.powers))
	i := (uint64(mean)*0x9e3779b97f4a7c15 ^ math.Float64bits(y)*0xc2b2ae3d27d4eb4f) >> 54 % n
	for ; ; i = (i + 1) % n {
		p := &b.powers[i]
		switch {
		case p.mean == mean && p.y == y:
			return p.v
		case p.mean == 0:
			if b.npowers >= len(b.powers)/2 {
				// Means change as the engine learns: start again.
				clear(b.powers[:])
				b.npowers = 0
				return b.powMean(mean, y)
			}
			*p = power{mean, y, pow(mean.Minutes(), y)}
			b.npowers++
			return p.v
		}
	}
}

// NewBalance returns the Balance policy with the weights the simulator chose.
func NewBalance() *Balance {
	return &Balance{Slack: time.Minute, Level: []float64{1, 0.95, 0.9}, Short: 0.4, Flex: 0.25,
		Late: 2, LateAfter: 55 * time.Minute, Past: 1, LateShort: 0.15, Overload: 1.5,
		Keep: 4, KeepBefore: 2 * time.Minute}
}

// Name is "balance".
func (b *Balance) Name() string { return "balance" }

// Pick applies the rules above.
func (b *Balance) Pick(ch *Choice) (int, Rule) {
	prio, rule, any := legal(ch, nil)
	if !any {
		return -1, ""
	}
	over := b.overloaded(ch.Lines, prio)
	best := -1
	var bestLate time.Duration
	var bestScore float64
	for i := range ch.Lines {
		l := &ch.Lines[i]
		if l.Priority != prio {
			continue
		}
		lt, sc := b.late(l, over), b.Score(l)
		if best < 0 || lt > bestLate || lt == bestLate && (sc > bestScore || sc == bestScore && before(l, &ch.Lines[best])) {
			best, bestLate, bestScore = i, lt, sc
		}
	}
	switch {
	case rule != "":
	case bestLate > 0:
		rule = RuleThreshold
	default:
		rule = RuleScore
	}
	return best, rule
}

// Before reports whether the policy calls line x before line y of the
// same class, among a counter's lines: rules 2 to 4.
func (b *Balance) Before(lines []Line, x, y *Line) bool {
	over := b.overloaded(lines, x.Priority)
	lx, ly := b.late(x, over), b.late(y, over)
	if lx != ly {
		return lx > ly
	}
	sx, sy := b.Score(x), b.Score(y)
	if sx != sy {
		return sx > sy
	}
	return before(x, y)
}

// overloaded reports whether every line of the class waited more than
// Overload times its target.
func (b *Balance) overloaded(lines []Line, prio bool) bool {
	if b.Overload <= 0 {
		return false
	}
	any := false
	for i := range lines {
		l := &lines[i]
		if l.Priority != prio {
			continue
		}
		if l.Target <= 0 || l.Waited <= time.Duration(b.Overload*float64(l.Target)) {
			return false
		}
		any = true
	}
	return any
}

// late is a line's lead under rule 2, or 0 when it is not late (and the
// class is not overloaded).
func (b *Balance) late(l *Line, over bool) time.Duration {
	if b.Late <= 0 || l.Target <= 0 {
		return 0
	}
	if !over && l.Waited <= time.Duration(b.Late*float64(l.Target)) && (b.LateAfter <= 0 || l.Waited <= b.LateAfter) {
		return 0
	}
	past := b.Past
	if past <= 0 {
		past = b.Late
	}
	d := l.Waited - time.Duration(past*float64(l.Target))
	if b.LateShort != 0 && l.Mean > 0 {
		d = time.Duration(float64(d) * b.powMean(l.Mean, -b.LateShort))
	}
	// Above 0 however far behind, for a late line before any other.
	return max(d, 0) + time.Nanosecond
}

// Score is the urgency of a line, rule 3.
func (b *Balance) Score(l *Line) float64 {
	target := l.Target
	if target <= 0 {
		target = 20 * time.Minute
	}
	w := l.Waited + b.Slack
	if b.Keep > 0 && l.Promised > 0 && l.Promised <= target {
		if due := l.Waited - l.Promised + b.KeepBefore; due > 0 {
			w += time.Duration(b.Keep * float64(due))
		}
	}
	s := float64(w) / target.Minutes()
	if len(b.Level) > 0 {
		s *= b.Level[min(max(l.Level, 1), len(b.Level))-1]
	}
	if b.Short != 0 && l.Mean > 0 {
		s *= b.powMean(l.Mean, -b.Short)
	}
	if b.Flex != 0 && l.Servers > 0 {
		s *= pow(float64(l.Servers), -b.Flex)
	}
	return s
}

// pow is math.Pow, quicker for the exponents the weights use.
func pow(x, y float64) float64 {
	switch y {
	case 0:
		return 1
	case 1:
		return x
	case -0.25:
		return 1 / math.Sqrt(math.Sqrt(x))
	case -0.5:
		return 1 / math.Sqrt(x)
	case -1:
		return 1 / x
	}
	return math.Pow(x, y)
}
