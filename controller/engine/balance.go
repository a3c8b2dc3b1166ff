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
//  2. Among the lines left, the highest urgency score
//
//     (waited + Slack) / target × Level[level] × (Mean of the line)^-Short × Servers^-Flex
//
//     where waited counts from arrival (kept across transfers): a line is
//     urgent when its first ticket has used much of its service's target, a
//     counter leans to its main services, to services it serves quickly,
//     and to services few other open counters can serve.
//
//  3. Ties by arrival.
//
// The score grows without bound with the wait, so no service starves.
type Balance struct {
	Slack time.Duration
	Level []float64 // weight by level, from level 1; the last one for levels beyond
	Short float64
	Flex  float64
	// Kappa is the power of the target in the score: 1 divides the wait by
	// the target, 0 ignores targets.
	Kappa float64
	// Late, when above 0, calls first a line whose first ticket waited
	// more than Late times its target, the furthest past it first.
	Late float64
	// LateByWait orders the late lines by their wait rather than by how
	// far past Late times the target they are.
	LateByWait bool
	// Cap, when above 0, calls first a line whose first ticket waited
	// longer than Cap, the longest wait first, whatever its service: the
	// tail of the waits is served in arrival order.
	Cap time.Duration
}

// NewBalance returns the Balance policy with the weights the simulator chose.
func NewBalance() *Balance {
	return &Balance{Slack: time.Minute, Level: []float64{1, 0.95, 0.9}, Short: 0.5, Flex: 0.25, Kappa: 1, Late: 2}
}

// Name is "balance".
func (b *Balance) Name() string { return "balance" }

// Pick applies the rules above.
func (b *Balance) Pick(ch *Choice) (int, Rule) {
	prio, rule, any := legal(ch, nil)
	if !any {
		return -1, ""
	}
	best := -1
	var bestLate time.Duration
	var bestScore float64
	for i := range ch.Lines {
		l := &ch.Lines[i]
		if l.Priority != prio {
			continue
		}
		lt, sc := b.late(l), b.Score(l)
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
// same class: rules 2 to 4.
func (b *Balance) Before(x, y *Line) bool {
	lx, ly := b.late(x), b.late(y)
	if lx != ly {
		return lx > ly
	}
	sx, sy := b.Score(x), b.Score(y)
	if sx != sy {
		return sx > sy
	}
	return before(x, y)
}

// late is how far a line is past Late times its target (or its wait,
// with LateByWait), or 0.
func (b *Balance) late(l *Line) time.Duration {
	if b.Cap > 0 && l.Waited > b.Cap {
		return 24*time.Hour + l.Waited
	}
	if b.Late > 0 && l.Target > 0 {
		if d := l.Waited - time.Duration(b.Late*float64(l.Target)); d > 0 {
			if b.LateByWait {
				return l.Waited
			}
			return d
		}
	}
	return 0
}

// Score is the urgency of a line, rule 2.
func (b *Balance) Score(l *Line) float64 {
	target := l.Target
	if target <= 0 {
		target = 20 * time.Minute
	}
	s := float64(l.Waited+b.Slack) / pow(target.Minutes(), b.Kappa)
	if len(b.Level) > 0 {
		s *= b.Level[min(max(l.Level, 1), len(b.Level))-1]
	}
	if b.Short != 0 && l.Mean > 0 {
		s *= pow(l.Mean.Minutes(), -b.Short)
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
