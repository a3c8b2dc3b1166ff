package clock

import (
	"slices"
	"sync"
	"time"
)

// Fake is a Clock that moves only when told to. Its timers fire when
// Advance takes it to or past their time, each with its time, in order.
// It is safe for concurrent use.
type Fake struct {
	mu        sync.Mutex
	now       time.Time
	timers    []fakeTimer
	durations []time.Duration // every After's, in order
	asked     chan struct{}
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

var _ Clock = (*Fake)(nil)

// NewFake returns a Fake at start.
func NewFake(start time.Time) *Fake {
	return &Fake{now: start, asked: make(chan struct{}, 1)}
}

// Now is the fake's time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// After returns a channel that receives once Advance has moved the clock
// d on; at once when d <= 0.
func (f *Fake) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	f.mu.Lock()
	f.durations = append(f.durations, d)
	if d <= 0 {
		ch <- f.now
	} else {
		f.timers = append(f.timers, fakeTimer{at: f.now.Add(d), ch: ch})
	}
	f.mu.Unlock()
	select {
	case f.asked <- struct{}{}:
	default: // a token is there already
	}
	return ch
}

// Advance moves the clock on by d and fires the timers due by then,
// earliest first.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	slices.SortStableFunc(f.timers, func(a, b fakeTimer) int { return a.at.Compare(b.at) })
	fired := 0
	for _, t := range f.timers {
		if t.at.After(f.now) {
			break
		}
		t.ch <- t.at
		fired++
	}
	f.timers = slices.Delete(f.timers, 0, fired)
}

// Waiters is how many timers have not fired yet: a test waits for the
// part under test to be waiting before it advances the clock.
func (f *Fake) Waiters() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.timers)
}

// Durations are the durations After was asked for, in order: the
// backoff a part followed, say.
func (f *Fake) Durations() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.durations)
}

// Asked receives after After was called: a test that advances the clock
// in steps takes a new step as soon as the part under test waits again.
// It holds one token however many calls there were since it was read.
func (f *Fake) Asked() <-chan struct{} { return f.asked }
