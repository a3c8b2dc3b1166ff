package board

import "time"

// Clock is the time the board keeps the highlight queue and heartbeat by.
// Tests pass a fake one so that they advance time instead of sleeping.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

var _ Clock = realClock{}
