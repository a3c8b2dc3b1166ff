// Package clock is the one way time is injected into the parts that wait:
// the controller, the uplink, the city's ingest, the device link, the
// counter terminal and the hall board. Production passes Real (or nil,
// which each part reads as Real); a test that talks to a real broker
// passes a Fake and moves it, since a testing/synctest bubble cannot
// advance its time while a goroutine waits on a socket. A test that needs
// only virtual time and no network runs the real clock in a synctest
// bubble instead.
//
// Every timer a part runs over a duration it measured with its clock must
// come from the same clock: a real timer over a fake clock's durations
// fires on the wall's time, not the test's.
package clock

import "time"

// Clock tells the time and waits on it.
type Clock interface {
	Now() time.Time
	// After is time.After on this clock: the channel receives once, when
	// d has passed on it (at once when d <= 0).
	After(d time.Duration) <-chan time.Time
}

// Real is the system's clock. Its times are in Location when it is set
// (the centre's time zone, say), in the local zone otherwise.
type Real struct {
	Location *time.Location
}

var _ Clock = Real{}

// Now is time.Now, in r.Location when it is set.
func (r Real) Now() time.Time {
	if r.Location != nil {
		return time.Now().In(r.Location)
	}
	return time.Now()
}

// After is time.After.
func (Real) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Or is c, or the real clock when c is nil: what an option left unset means.
func Or(c Clock) Clock {
	if c == nil {
		return Real{}
	}
	return c
}
