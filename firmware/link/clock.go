package link

import "time"

// Clock is the time the link schedules by: resends and reconnect backoff.
// Tests pass a fake one so that they advance time instead of sleeping.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// realClock is the system clock.
type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

var _ Clock = realClock{}
