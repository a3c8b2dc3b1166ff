package clock_test

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sothutu/sothutu/internal/clock"
)

var start = time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC) // 08:00 in Can Tho

// fired is which of the timers set for durations have fired once the
// clock moved on by each step, in the order they fired.
type fired struct {
	step  time.Duration
	which []int
}

var schedules = []struct {
	name      string
	durations []time.Duration
	steps     []fired
}{
	{"none due", []time.Duration{time.Second}, []fired{{999 * time.Millisecond, nil}}},
	{"due on the dot", []time.Duration{time.Second}, []fired{{time.Second, []int{0}}}},
	{"zero fires at once", []time.Duration{0, -time.Second}, []fired{{0, []int{0, 1}}}},
	{"earliest first", []time.Duration{3 * time.Second, time.Second, 2 * time.Second},
		[]fired{{5 * time.Second, []int{1, 2, 0}}}},
	{"in steps", []time.Duration{time.Second, 2 * time.Second, 4 * time.Second},
		[]fired{{time.Second, []int{0}}, {time.Second, []int{1}}, {time.Second, nil}, {time.Second, []int{2}}}},
}

// run sets the timers of durations on c, moves it on by each step with
// advance, and checks which timers fired, earliest first, and the time
// each sent.
func run(t *testing.T, c clock.Clock, durations []time.Duration, steps []fired, advance func(time.Duration)) {
	t.Helper()
	begin := c.Now()
	chans := make([]<-chan time.Time, len(durations))
	for i, d := range durations {
		chans[i] = c.After(d)
	}
	type firing struct {
		timer int
		at    time.Time
	}
	var elapsed time.Duration
	for n, s := range steps {
		advance(s.step)
		elapsed += s.step
		var ready []firing
		for i, ch := range chans {
			select {
			case at := <-ch:
				ready = append(ready, firing{i, at})
			default:
			}
		}
		slices.SortStableFunc(ready, func(a, b firing) int { return a.at.Compare(b.at) })
		var got []int
		for _, f := range ready {
			got = append(got, f.timer)
			if want := begin.Add(max(durations[f.timer], 0)); !f.at.Equal(want) {
				t.Errorf("step %d: timer %d sent %s, want %s", n, f.timer, f.at, want)
			}
		}
		if !slices.Equal(got, s.which) {
			t.Errorf("after %s: fired %v, want %v", elapsed, got, s.which)
		}
	}
}

// The Fake fires its timers as the real clock does, on the Fake's time
// rather than the wall's.
func TestFake(t *testing.T) {
	for _, s := range schedules {
		t.Run(s.name, func(t *testing.T) {
			f := clock.NewFake(start)
			run(t, f, s.durations, s.steps, f.Advance)
			if got := f.Durations(); !slices.Equal(got, s.durations) {
				t.Errorf("Durations %v, want %v", got, s.durations)
			}
		})
	}
}

// The real clock in a synctest bubble, the way a test without a network
// gets virtual time, fires the same schedules the same way.
func TestRealInBubble(t *testing.T) {
	for _, s := range schedules {
		t.Run(s.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				run(t, clock.Real{}, s.durations, s.steps, func(d time.Duration) {
					time.Sleep(d) // virtual: the bubble's clock moves at once
					synctest.Wait()
				})
			})
		})
	}
}

func TestFakeWaitersAndAsked(t *testing.T) {
	f := clock.NewFake(start)
	select {
	case <-f.Asked():
		t.Fatal("asked before any After")
	default:
	}
	f.After(time.Second)
	f.After(time.Minute)
	select {
	case <-f.Asked():
	default:
		t.Fatal("no token after After")
	}
	if n := f.Waiters(); n != 2 {
		t.Errorf("Waiters %d, want 2", n)
	}
	f.Advance(time.Second)
	if n := f.Waiters(); n != 1 {
		t.Errorf("Waiters after a second %d, want 1", n)
	}
	if got := f.Now(); !got.Equal(start.Add(time.Second)) {
		t.Errorf("Now %s", got)
	}
}

func TestReal(t *testing.T) {
	loc := time.FixedZone("ICT", 7*3600)
	if got := (clock.Real{Location: loc}).Now().Location(); got != loc {
		t.Errorf("Real{Location}.Now in %v", got)
	}
	if _, ok := clock.Or(nil).(clock.Real); !ok {
		t.Error("Or(nil) is not the real clock")
	}
	f := clock.NewFake(start)
	if clock.Or(f) != f {
		t.Error("Or(fake) is not the fake")
	}
}
